package dev.quarry.io;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.quarry.labels.IdMap;
import dev.quarry.testing.ParserContract;
import java.nio.file.Path;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzes {@link JsonlTexts}: the fuzzed bytes are a texts file for a store of 8 rows with ids "0" to
 * "7"; a file that opens must give every row's text without error.
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class JsonlTextsFuzzTest {
    private static final int ROWS = 8;

    @TempDir
    static Path dir;

    @FuzzTest
    void open(byte[] bytes) {
        Path file = ParserContract.write(dir.resolve("texts.jsonl"), bytes);
        try (JsonlTexts texts = ParserContract.resultOrDataError(() -> JsonlTexts.open(file, IdMap.ordinals(ROWS), ROWS),
                file)) {
            if (texts == null) {
                return;
            }
            for (int row = 0; row < ROWS; row++) {
                texts.text(row);
            }
        }
    }
}
