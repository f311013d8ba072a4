package dev.quarry.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.mining.MinedAnchor;
import dev.quarry.mining.Miner;
import dev.quarry.mining.MiningConfig;
import dev.quarry.mining.candidate.Shortfall;
import dev.quarry.store.VectorStore;
import dev.quarry.testing.TestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's Java example compiles (it is this file's {@link #mineInProcess}) and runs. */
class ReadmeExampleTest {
    @TempDir
    Path dir;

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

    private static final int DIM = 16;

    /** A vector of small integers: every dot product is exact in float32, so scores tie and ties are real. */
    private static float[] integers(SplittableRandom random) {
        float[] v = new float[DIM];
        for (int k = 0; k < DIM; k++) {
            v[k] = random.nextInt(-3, 4);
        }
        return v;
    }

    private static float dot(float[] a, float[] b) {
        float sum = 0;
        for (int k = 0; k < DIM; k++) {
            sum += a[k] * b[k];
        }
        return sum;
    }

    @Test
    void theExampleMinesRanksTenToSeventeenOfABruteForceRanking() {
        // 2,000 random rows; for each of 5 anchors, two positives (the anchor with one component moved by 1) and an
        // unlabelled copy of the anchor itself, which ranks first and must never come back as a negative.
        SplittableRandom random = new SplittableRandom(4);
        int count = 2000;
        int anchorCount = 5;
        float[][] rows = new float[count][];
        for (int r = 0; r < count; r++) {
            rows[r] = integers(random);
        }
        float[][] anchors = new float[anchorCount][];
        int[][] positives = new int[anchorCount][];
        int[] copies = new int[anchorCount];
        for (int a = 0; a < anchorCount; a++) {
            anchors[a] = integers(random);
            int first = 100 + 300 * a;
            positives[a] = new int[] {first, first + 7};
            for (int p : positives[a]) {
                rows[p] = anchors[a].clone();
                rows[p][random.nextInt(DIM)] += random.nextBoolean() ? 1 : -1;
            }
            copies[a] = first + 150;
            rows[copies[a]] = anchors[a].clone();
        }
        Path corpus = TestFiles.qvec(dir.resolve("corpus.qvec"), rows, false);

        List<MinedAnchor> mined = mineInProcess(corpus, anchors, positives);

        assertEquals(anchorCount, mined.size());
        for (int a = 0; a < anchorCount; a++) {
            MinedAnchor m = mined.get(a);
            assertEquals(a, m.anchor());
            // The exact ranking, by score then ordinal, of every row but the positives.
            float[] anchor = anchors[a];
            int[] excluded = positives[a];
            Integer[] ranking = IntStream.range(0, count).filter(r -> Arrays.stream(excluded).noneMatch(p -> p == r))
                    .boxed().toArray(Integer[]::new);
            Arrays.sort(ranking, Comparator.comparingDouble((Integer r) -> -dot(anchor, rows[r]))
                    .thenComparingInt(r -> r));
            int[] expected = new int[8];
            float[] expectedScores = new float[8];
            for (int i = 0; i < 8; i++) {
                expected[i] = ranking[10 + i];
                expectedScores[i] = dot(anchor, rows[expected[i]]);
            }
            // The data leaves the defaults' filters nothing to drop among ranks 10..17: scores at most 95% of the
            // lowest positive's, cosines to the positives below 0.9.
            float reference = Math.min(dot(anchor, rows[excluded[0]]), dot(anchor, rows[excluded[1]]));
            for (int i = 0; i < 8; i++) {
                assertTrue(expectedScores[i] <= 0.95f * reference, "margin keeps rank " + (10 + i));
                for (int p : excluded) {
                    double cosine = dot(rows[expected[i]], rows[p])
                            / Math.sqrt((double) dot(rows[expected[i]], rows[expected[i]]) * dot(rows[p], rows[p]));
                    assertTrue(cosine < 0.9, "near-duplicate filter keeps rank " + (10 + i));
                }
            }
            assertEquals(copies[a], ranking[0].intValue(), "the anchor's copy ranks first");

            assertEquals(Shortfall.NONE, m.shortfall());
            assertArrayEquals(expected, m.negatives(), "anchor " + a);
            assertArrayEquals(expectedScores, m.negativeScores(), "anchor " + a + ": integer scores are exact");
            assertArrayEquals(new int[] {10, 11, 12, 13, 14, 15, 16, 17}, m.negativeRanks());
            assertArrayEquals(excluded, m.positives());
            for (int n : m.negatives()) {
                assertTrue(Arrays.stream(excluded).noneMatch(p -> p == n), "a positive mined as a negative: " + n);
                assertTrue(n != copies[a], "the anchor itself mined as a negative");
            }
        }
    }

    @Test
    void theReadmeShowsExactlyThisCode() throws IOException {
        assertEquals(readmeExample(), marked(Path.of("src/test/java/dev/quarry/cli/ReadmeExampleTest.java")),
                "README's example and this test's method differ");
    }

    @Test
    void theSampleTrainerProjectMinesWithTheReadmesCode() throws IOException {
        // tools/examples/java-trainer depends on the installed engine from outside the reactor
        // (scripts/java-example.sh builds and runs it); its mining method is the README's.
        assertEquals(readmeExample(), marked(Path.of("..", "examples", "java-trainer", "src", "main", "java", "dev",
                "quarry", "examples", "JavaTrainer.java")), "README's example and the sample trainer's method differ");
    }

    /** The java block of the README's "From Java" section, blank lines and indentation aside. */
    private static String readmeExample() throws IOException {
        String readme = Files.readString(Path.of("..", "..", "README.md"));
        Matcher block = Pattern.compile("(?s)## From Java.*?```java\\n(.*?)```").matcher(readme);
        assertTrue(block.find(), "README has a '## From Java' section with a java block");
        return strip(block.group(1));
    }

    /** The code between a source file's "README example" markers, blank lines and indentation aside. */
    private static String marked(Path file) throws IOException {
        String source = Files.readString(file);
        return strip(source.substring(source.indexOf("// README example start") + 24,
                source.indexOf("    // README example end")));
    }

    private static String strip(String code) {
        return code.lines().map(String::strip).filter(l -> !l.isEmpty()).reduce("", (a, b) -> a + b + "\n");
    }
}
