package dev.quarry.examples;

import dev.quarry.mining.MinedAnchor;
import dev.quarry.mining.Miner;
import dev.quarry.mining.MiningConfig;
import dev.quarry.store.QvecWriter;
import dev.quarry.store.VectorStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A trainer's program that depends on Quarry's engine like any library: it writes a corpus of embeddings,
 * mines hard negatives for a few anchors in process with the README's example ({@link #mineInProcess}),
 * and checks what came back. Run it with the JVM flags {@code ./quarry jvm-flags} prints.
 */
public final class JavaTrainer {
    private static final int ROWS = 20_000;
    private static final int DIM = 64;
    private static final int ANCHORS = 10;

    private JavaTrainer() {
    }

    // README example start
    static List<MinedAnchor> mineInProcess(Path corpusFile, float[][] anchors, int[][] positives) {
        MiningConfig config = MiningConfig.defaults().withNumNegatives(8).withRange(10, 100);
        try (VectorStore corpus = VectorStore.open(corpusFile);
             Miner miner = Miner.over(corpus, config)) {
            List<MinedAnchor> mined = miner.mine(anchors, positives);
            for (MinedAnchor a : mined) {
                System.out.println(a.anchor() + " -> " + Arrays.toString(a.negatives())
                        + " scores " + Arrays.toString(a.negativeScores()));
            }
            return mined;
        }
    }
    // README example end

    /**
     * Mines {@value #ANCHORS} anchors against {@value #ROWS} random rows written into {@code args[0]} (a
     * directory; default: a temporary one, deleted at the end); exits 1 if an answer is not what mining promises.
     */
    public static void main(String[] args) throws IOException {
        Path dir = args.length > 0 ? Files.createDirectories(Path.of(args[0])) : Files.createTempDirectory("trainer");
        Path corpusFile = dir.resolve("corpus.qvec");
        try {
            SplittableRandom random = new SplittableRandom(7);
            float[][] rows = new float[ROWS][];
            try (QvecWriter writer = QvecWriter.create(corpusFile, DIM)) {
                for (int r = 0; r < ROWS; r++) {
                    rows[r] = unit(random, null);
                    writer.write(rows[r], 0, 1);
                }
                writer.finish(true);
            }
            // Each anchor is a noisy copy of its positive, as a query is close to the document it was written for.
            float[][] anchors = new float[ANCHORS][];
            int[][] positives = new int[ANCHORS][];
            for (int a = 0; a < ANCHORS; a++) {
                positives[a] = new int[] {random.nextInt(ROWS)};
                anchors[a] = unit(random, rows[positives[a][0]]);
            }

            List<MinedAnchor> mined = mineInProcess(corpusFile, anchors, positives);

            String problem = check(mined, positives);
            if (problem != null) {
                System.err.println("java-trainer: " + problem);
                System.exit(1);
            }
            System.out.println("java-trainer: mined " + mined.size() + " anchors against " + ROWS + " x " + DIM
                    + " in process, 8 negatives each from ranks 10-99, none of them a positive");
        } finally {
            Files.deleteIfExists(corpusFile);
            if (args.length == 0) {
                Files.deleteIfExists(dir);
            }
        }
    }

    /** What is wrong with {@code mined}, or null: every anchor has 8 negatives, no positive, ranked and scored in order. */
    private static String check(List<MinedAnchor> mined, int[][] positives) {
        if (mined.size() != positives.length) {
            return mined.size() + " anchors mined, expected " + positives.length;
        }
        for (int a = 0; a < mined.size(); a++) {
            MinedAnchor m = mined.get(a);
            if (m.anchor() != a || m.negatives().length != 8) {
                return "anchor " + a + ": " + m.negatives().length + " negatives for anchor " + m.anchor() + ", expected 8";
            }
            for (int i = 0; i < 8; i++) {
                int n = m.negatives()[i];
                if (n == positives[a][0]) {
                    return "anchor " + a + ": its positive " + n + " came back as a negative";
                }
                if (m.negativeRanks()[i] < 10 || m.negativeRanks()[i] >= 100
                        || i > 0 && (m.negativeRanks()[i] <= m.negativeRanks()[i - 1]
                        || m.negativeScores()[i] > m.negativeScores()[i - 1])) {
                    return "anchor " + a + ": ranks " + Arrays.toString(m.negativeRanks()) + " scores "
                            + Arrays.toString(m.negativeScores()) + ", expected increasing ranks in [10, 100)"
                            + " with non-increasing scores";
                }
            }
        }
        return null;
    }

    /** A random unit vector, or {@code near} moved a little and renormalised. */
    private static float[] unit(SplittableRandom random, float[] near) {
        float[] v = new float[DIM];
        double norm = 0;
        for (int k = 0; k < DIM; k++) {
            v[k] = (float) (near == null ? random.nextGaussian() : near[k] + 0.05 * random.nextGaussian());
            norm += v[k] * v[k];
        }
        for (int k = 0; k < DIM; k++) {
            v[k] /= (float) Math.sqrt(norm);
        }
        return v;
    }
}
