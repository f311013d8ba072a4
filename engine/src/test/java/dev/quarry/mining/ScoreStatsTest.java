package dev.quarry.mining;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quarry.mining.candidate.Shortfall;
import dev.quarry.pipeline.Checkpoint;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Statistics survive a checkpoint exactly, infinite scores included; the median is exact up to the reservoir. */
class ScoreStatsTest {
    @TempDir
    Path dir;

    @Test
    void statisticsRoundTripThroughACheckpointEvenWithInfiniteScores() {
        MiningStats stats = new MiningStats(2);
        stats.add(new MinedAnchor(0, new int[] {1}, new float[] {Float.POSITIVE_INFINITY}, new int[] {2, 3},
                new float[] {0.5f, 0.25f}, new int[] {0, 1}, Shortfall.NONE));
        stats.add(new MinedAnchor(1, new int[] {4}, new float[] {0.75f}, new int[] {5}, new float[] {0.125f},
                new int[] {3}, Shortfall.MARGIN));
        Path file = dir.resolve("x.checkpoint");
        new Checkpoint(List.of("a=1"), 3, new long[] {10}, List.of("x.quarry-1-1.tmp"), stats).write(file);
        MiningStats back = Checkpoint.read(file, 2).stats();
        assertEquals(Double.POSITIVE_INFINITY, back.positiveScores().mean());
        assertEquals(stats.negativeScores().mean(), back.negativeScores().mean());
        assertEquals(0.25, back.negativeScores().median());
        assertEquals(1, back.shortfall(Shortfall.MARGIN));
        assertEquals(4.0 / 3, back.meanNegativeRank());
    }

    @Test
    void medianIsExactBelowTheReservoirSize() {
        ScoreStats s = new ScoreStats();
        for (int i = 1000; i >= 1; i--) {
            s.add(i);
        }
        assertEquals(500.5, s.median());
        assertEquals(1f, s.min());
        assertEquals(1000f, s.max());
    }
}
