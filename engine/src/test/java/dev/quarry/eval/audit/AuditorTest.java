package dev.quarry.eval.audit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.quarry.io.OutputFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit's counts and the wrong-label flag on a set built by hand. */
class AuditorTest {
    @TempDir
    Path dir;

    private static AuditedAnchor anchor(String id, String positive, float positiveScore, String[] negatives,
                                        float[] scores) {
        int[] ranks = new int[negatives.length];
        Arrays.setAll(ranks, i -> 10 + i);
        return new AuditedAnchor(id, List.of(positive), new float[] {positiveScore}, new int[] {-1},
                List.of(negatives), scores, ranks, 0);
    }

    private static MinedSetReader.MinedSet set() {
        return new MinedSetReader.MinedSet(OutputFormat.FLAG, List.of(
                // a repeat (n1), a negative that is the positive (p1), three at or above the positive's 0.9
                anchor("q1", "p1", 0.9f, new String[] {"n1", "n2", "n1", "p1"}, new float[] {0.95f, 0.5f, 0.95f, 0.9f}),
                // positive 0.2 far below the negatives' median 0.65: a likely wrong label
                anchor("q2", "p2", 0.2f, new String[] {"m1", "m2"}, new float[] {0.6f, 0.7f}),
                // k1 is a known positive of q3
                anchor("q3", "p3", 0.8f, new String[] {"k1", "k2"}, new float[] {0.5f, 0.4f}),
                anchor("q4", "p4", 0.1f, new String[0], new float[0])));
    }

    @Test
    void countsRepeatsPositivesAmongNegativesAndNegativesAtOrAbove() throws IOException {
        Path known = Files.writeString(dir.resolve("known.tsv"), "q3\tk1\t1\nq9\tn1\t1\n");
        AuditReport r = new Auditor(0.1).audit(dir.resolve("m.jsonl"), set(), known, null);
        assertEquals(4, r.anchors());
        assertEquals(8, r.negatives());
        assertEquals(1, r.repeatedNegatives());
        assertEquals(1, r.negativesEqualToPositive());
        assertEquals(5, r.atOrAbovePositive());
        assertEquals(2, r.anchorsAtOrAbovePositive());
        assertEquals(1, r.knownPositiveOverlap());
        assertArrayEquals(new long[] {1, 0, 2, 0, 1}, r.perAnchor().counts(), "anchors with 0..4 negatives");
        assertEquals(8, r.negativeScores().count());
        assertEquals(0.9, r.negativeScores().max(), 0.06);
        assertEquals(4, r.positiveScores().count());
        assertEquals(8, r.rankHistogram().total());
        assertNull(r.positiveRankHistogram(), "positive ranks are only known from embeddings");
        assertEquals(List.of("q2"), r.flagged());
        assertNull(r.noiseCheck());
    }

    @Test
    void knownPositivesNotCheckedIsMinusOne() {
        assertEquals(-1, new Auditor(0.1).audit(dir.resolve("m.jsonl"), set(), null, null).knownPositiveOverlap());
    }

    @Test
    void noiseCheckMeasuresTheFlagAgainstPlantedWrongLabels() throws IOException {
        Path truth = Files.writeString(dir.resolve("truth.tsv"), """
                q1\tp1\tlabelled
                q2\tx2\tmislabelled
                q3\tx3\tmislabelled
                q4\tx4\tmislabelled
                q3\tk1\tplanted
                """);
        AuditReport.NoiseCheck check = new Auditor(0.1).audit(dir.resolve("m.jsonl"), set(), null, truth).noiseCheck();
        assertEquals(2, check.planted(), "q2 and q3 have negatives");
        assertEquals(1, check.plantedWithoutNegatives(), "q4 has none");
        assertEquals(1, check.flagged());
        assertEquals(1, check.both());
        assertEquals(1.0, check.precision());
        assertEquals(0.5, check.recall());
    }

    @Test
    void aWiderMarginFlagsLess() {
        // q2: 0.2 is 0.45 below its median negative
        assertEquals(List.of("q2"), new Auditor(0.44).audit(dir.resolve("m.jsonl"), set(), null, null).flagged());
        assertEquals(List.of(), new Auditor(0.46).audit(dir.resolve("m.jsonl"), set(), null, null).flagged());
    }
}
