package dev.quarry.pipeline;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.quarry.mining.MiningStats;
import dev.quarry.mining.ScoreStats;
import dev.quarry.testing.ParserContract;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzes {@link Checkpoint#read}: the fuzzed bytes are a checkpoint file. One that reads must hold
 * what {@code --resume} uses: lengths that can be truncated to, and statistics that take more scores
 * and print.
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CheckpointFuzzTest {
    @TempDir
    static Path dir;

    @FuzzTest
    void read(byte[] bytes) {
        Path file = ParserContract.write(dir.resolve("mined.jsonl.checkpoint"), bytes);
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
