package dev.quarry.pipeline;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.quarry.files.ContentChecksum;
import dev.quarry.files.FileFormat;
import dev.quarry.mining.MiningStats;
import dev.quarry.mining.ScoreStats;
import dev.quarry.testing.ParserContract;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzes {@link Checkpoint#read}: the fuzzed bytes are a checkpoint file ({@code read}), or the state inside a
 * framed one whose header and checksum hold ({@code framed}). One that reads must hold
 * what {@code --resume} uses: lengths that can be truncated to, and statistics that take more scores
 * and print.
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CheckpointFuzzTest {
    @TempDir
    static Path dir;

    @FuzzTest
    void read(byte[] bytes) {
        check(ParserContract.write(dir.resolve("mined.jsonl.checkpoint"), bytes));
    }

    /** The fuzzed bytes as the state of a framed checkpoint whose header and checksum hold, so the parser is reached. */
    @FuzzTest
    void framed(byte[] bytes) {
        ByteBuffer file = ByteBuffer.allocate(16 + bytes.length + FileFormat.FOOTER_BYTES);
        file.put(Checkpoint.FORMAT.sealHeader(Checkpoint.FORMAT.startHeader())).put(bytes)
                .put(FileFormat.footer(new ContentChecksum().update(ByteBuffer.wrap(bytes)).value()));
        check(ParserContract.write(dir.resolve("framed.checkpoint"), file.array()));
    }

    private static void check(Path file) {
        Checkpoint checkpoint = ParserContract.resultOrDataError(() -> Checkpoint.read(file, 3), file);
        if (checkpoint == null) {
            return;
        }
        assertTrue(checkpoint.nextBlock() >= 0, checkpoint::toString);
        assertTrue(Arrays.stream(checkpoint.lengths()).allMatch(length -> length >= 0),
                () -> "lengths " + Arrays.toString(checkpoint.lengths()));
        MiningStats stats = checkpoint.stats();
        for (ScoreStats scores : new ScoreStats[] {stats.positiveScores(), stats.negativeScores()}) {
            scores.median();
            scores.add(0.5f);
            scores.median();
        }
        stats.print(new PrintWriter(Writer.nullWriter()));
    }
}
