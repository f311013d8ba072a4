package dev.quarry.labels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.quarry.testing.ParserContract;
import java.nio.file.Path;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzes {@link QrelsReader}: the fuzzed bytes are a qrels file, read with its format detected (TSV,
 * TREC or JSONL by content) or as JSONL, leniently and under {@code --strict}. Anchor ids are numbered
 * as they come; doc ids are "0" to "4", so unknown ids are met too.
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class QrelsReaderFuzzTest {
    @TempDir
    static Path dir;

    @FuzzTest
    void detected(byte[] bytes) {
        read(ParserContract.write(dir.resolve("qrels.tsv"), bytes), null);
    }

    @FuzzTest
    void jsonl(byte[] bytes) {
        read(ParserContract.write(dir.resolve("qrels.jsonl"), bytes), QrelsFormat.JSONL);
    }

    private static void read(Path file, QrelsFormat format) {
        for (boolean strict : new boolean[] {false, true}) {
            QrelsReader reader = new QrelsReader(new DynamicIdMap(), IdMap.ordinals(5), strict);
            QrelsReader.Result result = ParserContract.resultOrDataError(() -> reader.read(file, format), file);
            if (result != null) {
                assertTrue(result.qrels().pairCount() <= result.report().pairsRead(), result.report()::toString);
            }
        }
    }
}
