package dev.quarry.mining;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.QuarryUsageException;
import dev.quarry.io.JsonlMinedEncoder;
import dev.quarry.io.OutputFormat;
import dev.quarry.io.OutputOptions;
import dev.quarry.io.TextLookup;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.mining.candidate.AnchorBlock;
import dev.quarry.mining.candidate.Shortfall;
import dev.quarry.mining.strategy.CandidateSource;
import dev.quarry.mining.strategy.IndexSource;
import dev.quarry.store.VectorStore;
import dev.quarry.testing.TestVectors;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Anchors the filters leave short: widening takes the next windows of ranks under the same filters, past the
 * hardest ranks under the margin, and changes no anchor that was complete; leaving out writes the short ones
 * nowhere; the statistics count both.
 */
class ShortfallPolicyTest {
    private static final VectorKernels KERNELS = VectorKernelsProvider.get();
    private static final int ROWS = 1500;
    private static final int DIM = 16;
    private static final int ANCHORS = 120;

    private final SplittableRandom random = new SplittableRandom(5);
    private final float[][] corpus = TestVectors.normalized(TestVectors.rows(random, ROWS, DIM));
    private final float[][] anchors = new float[ANCHORS][];
    private final int[][] positives = new int[ANCHORS][];

    ShortfallPolicyTest() {
        // Even anchors: a near copy of their positive (complete from the first window). Odd anchors: a positive
        // drawn at random, which scores low, so the relative margin empties their first window.
        for (int a = 0; a < ANCHORS; a++) {
            int p = random.nextInt(ROWS);
            positives[a] = new int[] {p};
            float[] base = a % 2 == 0 ? corpus[p] : corpus[random.nextInt(ROWS)];
            float[] v = base.clone();
            for (int i = 0; i < DIM; i++) {
                v[i] += (float) (0.05 * (random.nextDouble() - 0.5));
            }
            anchors[a] = v;
        }
    }

    private List<MinedAnchor> mine(MiningConfig config) {
        try (VectorStore store = VectorStore.copyOf("corpus", corpus, false);
             Miner miner = Miner.builder(store).kernels(KERNELS).config(config).warmUp(false).build()) {
            return miner.mine(anchors, positives);
        }
    }

    private static MiningConfig base() {
        return MiningConfig.defaults().withNearDuplicate(Double.NaN).withNumNegatives(3).withRange(2, 20)
                .withRelativeMargin(0.05).withShortfall(ShortfallPolicy.KEEP);
    }

    @Test
    void aShortAnchorTakesTheFirstRowsPassingTheMarginFromTheNextWindowsPastTheHardestUnderIt() {
        MiningConfig config = base().withShortfall(new ShortfallPolicy(400, false));
        List<MinedAnchor> mined = mine(config);
        int widened = 0;
        int skipped = 0;
        for (int a = 0; a < ANCHORS; a++) {
            MinedAnchor m = mined.get(a);
            // Brute force: the allowed rows by score, the first three under 95% of the positive from ranks [2, 20),
            // then from ranks [20, 400) at least 2 (range-min) past the first rank under 95% of the positive.
            float positive = m.positiveScores()[0];
            Integer[] order = byScore(anchors[a], positives[a][0]);
            int firstUnder = 0;
            while (firstUnder < ROWS - 1 && dot(anchors[a], corpus[order[firstUnder]]) > positive * (1 - 0.05)) {
                firstUnder++;
            }
            List<Integer> expected = new ArrayList<>();
            List<Integer> expectedRanks = new ArrayList<>();
            for (int r = 2; r < 400 && expected.size() < 3; r++) {
                if (r >= 20 && r < firstUnder + 2) {
                    skipped += r == firstUnder ? 1 : 0;
                    continue;
                }
                if (dot(anchors[a], corpus[order[r]]) <= positive * (1 - 0.05)) {
                    expected.add(order[r]);
                    expectedRanks.add(r);
                }
            }
            assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(), m.negatives(), "anchor " + a);
            assertArrayEquals(expectedRanks.stream().mapToInt(Integer::intValue).toArray(), m.negativeRanks());
            for (float s : m.negativeScores()) {
                assertTrue(s <= positive * 0.95f + 1e-6f, "anchor " + a + ": the margin holds in a widened window");
            }
            widened += Arrays.stream(m.negativeRanks()).anyMatch(r -> r >= 20) ? 1 : 0;
            assertEquals(m.negatives().length < 3 ? Shortfall.MARGIN : Shortfall.NONE, m.shortfall(), "anchor " + a);
        }
        assertTrue(widened > 10, "odd anchors need deeper windows: " + widened);
        assertTrue(skipped > 10, "the hardest rows under the margin past the first window are skipped: " + skipped);
    }

    @Test
    void shortAnchorsSearchedAgainOnTheirOwnMineWhatOneSearchToTheFullDepthMines() {
        for (SamplingStrategy sampling : List.of(SamplingStrategy.TOP, SamplingStrategy.RANDOM)) {
            // to the last rank of the corpus: the odd anchors' random positives need ranks far past 400
            MiningConfig config = base().withSampling(sampling).withShortfall(new ShortfallPolicy(ROWS, true));
            List<MinedAnchor> twoSearches = mine(config);
            try (VectorStore store = VectorStore.copyOf("corpus", corpus, false)) {
                IndexSource index = new IndexSource(new FlatIndex(store, KERNELS), store,
                        SearchParams.defaults().withThreads(1));
                CandidateSource oneSearch = new CandidateSource() {
                    @Override
                    public TopK candidates(AnchorBlock block, int depth) {
                        assertEquals(ROWS, depth, "one search, to the widened depth");
                        return index.candidates(block, depth);
                    }

                    @Override
                    public float[] positiveScores(AnchorBlock block, int i) {
                        return index.positiveScores(block, i);
                    }

                    @Override
                    public String describe() {
                        return index.describe();
                    }
                };
                int[][] exclusions = Arrays.stream(positives).map(int[]::clone).toArray(int[][]::new);
                MinedAnchor[] once = new BlockMiner(oneSearch, store, KERNELS, config).mine(new AnchorBlock(
                        QueryBlock.of(anchors), IntStream.range(0, ANCHORS).toArray(), positives, exclusions));
                int deep = 0;
                for (int a = 0; a < ANCHORS; a++) {
                    String at = sampling + " anchor " + a;
                    assertArrayEquals(once[a].negatives(), twoSearches.get(a).negatives(), at);
                    assertArrayEquals(once[a].negativeRanks(), twoSearches.get(a).negativeRanks(), at);
                    assertArrayEquals(once[a].negativeScores(), twoSearches.get(a).negativeScores(), at);
                    assertEquals(once[a].shortfall(), twoSearches.get(a).shortfall(), at);
                    assertEquals(once[a].leftOut(), twoSearches.get(a).leftOut(), at);
                    deep += Arrays.stream(once[a].negativeRanks()).anyMatch(r -> r >= 400) ? 1 : 0;
                }
                assertTrue(deep > 0, sampling + ": some anchors take negatives beyond rank 400");
            }
        }
    }

    @Test
    void wideningChangesNoAnchorThatItsFirstWindowCompleted() {
        for (SamplingStrategy sampling : List.of(SamplingStrategy.TOP, SamplingStrategy.RANDOM)) {
            MiningConfig keep = base().withSampling(sampling);
            List<MinedAnchor> kept = mine(keep);
            List<MinedAnchor> widened = mine(keep.withShortfall(new ShortfallPolicy(400, false)));
            int complete = 0;
            for (int a = 0; a < ANCHORS; a++) {
                if (kept.get(a).shortfall() == Shortfall.NONE) {
                    complete++;
                    assertArrayEquals(kept.get(a).negatives(), widened.get(a).negatives(), sampling + " anchor " + a);
                } else {
                    assertTrue(widened.get(a).negatives().length >= kept.get(a).negatives().length);
                }
            }
            assertTrue(complete >= ANCHORS / 2, "even anchors are complete: " + complete);
        }
    }

    @Test
    void leftOutAnchorsKeepNoNegativeAndNoFormatWritesThem() {
        MiningConfig config = base().withShortfall(new ShortfallPolicy(0, true));
        List<MinedAnchor> mined = mine(config);
        MiningStats stats = new MiningStats(config);
        int short0 = 0;
        for (MinedAnchor m : mined) {
            stats.add(m);
            assertEquals(m.shortfall() != Shortfall.NONE, m.leftOut());
            if (m.leftOut()) {
                short0++;
                assertEquals(0, m.negatives().length);
            }
        }
        assertTrue(short0 > 10, "odd anchors are short: " + short0);
        assertEquals(short0, stats.leftOut());
        assertEquals(short0, stats.shortAnchors());
        TextLookup ids = new TextLookup() {
            @Override
            public String anchor(int ordinal) {
                return "q" + ordinal;
            }

            @Override
            public String doc(int ordinal) {
                return "d" + ordinal;
            }
        };
        for (OutputFormat format : List.of(OutputFormat.TRIPLET, OutputFormat.LABELED_PAIR, OutputFormat.LABELED_LIST,
                OutputFormat.FLAG, OutputFormat.N_TUPLE)) {
            byte[] bytes = new JsonlMinedEncoder(new OutputOptions(format, 3, false, false, false), ids)
                    .encode(mined.toArray(MinedAnchor[]::new))[0];
            String text = new String(bytes, StandardCharsets.UTF_8);
            for (MinedAnchor m : mined) {
                boolean written = text.contains("\"q" + m.anchor() + "\"");
                assertEquals(!m.leftOut(), written, format + " anchor " + m.anchor());
            }
        }
    }

    @Test
    void theStatisticsCountWidenedAnchorsAndSurviveACheckpoint() throws Exception {
        MiningConfig config = base().withShortfall(new ShortfallPolicy(400, true));
        MiningStats stats = new MiningStats(config);
        long widened = 0;
        for (MinedAnchor m : mine(config)) {
            stats.add(m);
            widened += Arrays.stream(m.negativeRanks()).anyMatch(r -> r >= 20) ? 1 : 0;
        }
        assertTrue(widened > 0);
        assertEquals(widened, stats.widened());
        java.io.StringWriter json = new java.io.StringWriter();
        try (com.fasterxml.jackson.core.JsonGenerator g = new com.fasterxml.jackson.core.JsonFactory()
                .createGenerator(json)) {
            stats.writeState(g);
        }
        try (com.fasterxml.jackson.core.JsonParser p = new com.fasterxml.jackson.core.JsonFactory()
                .createParser(json.toString())) {
            p.nextToken();
            MiningStats back = MiningStats.readState(p, 3);
            assertEquals(stats.widened(), back.widened());
            assertEquals(stats.leftOut(), back.leftOut());
            MinedAnchor deep = new MinedAnchor(0, new int[] {1}, new float[] {0.5f}, new int[] {7}, new float[] {0.1f},
                    new int[] {25}, Shortfall.NONE);
            back.add(deep);
            assertEquals(stats.widened() + 1, back.widened(), "the rank window is restored with the state");
        }
    }

    @Test
    void aWidenedDepthWithinTheRankWindowIsRefused() {
        QuarryUsageException e = assertThrows(QuarryUsageException.class,
                () -> base().withShortfall(new ShortfallPolicy(20, false)));
        assertTrue(e.getMessage().startsWith("widen_to=20, expected a rank > range_max = 20"), e.getMessage());
        assertThrows(QuarryUsageException.class, () -> new ShortfallPolicy(-1, false));
        assertFalse(MiningConfig.defaults().shortfall().widens());
        assertTrue(MiningConfig.defaults().shortfall().leaveOut(), "short anchors are left out by default");
        assertFalse(MiningConfig.defaults().withoutFilters().shortfall().leaveOut(), "the plain shape keeps them");
        assertEquals("widen-to-400+leave-out", new ShortfallPolicy(400, true).describe());
    }

    private Integer[] byScore(float[] anchor, int positive) {
        Integer[] order = IntStream.range(0, ROWS).filter(r -> r != positive).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer r) -> -dot(anchor, corpus[r]))
                .thenComparingInt(r -> r));
        return order;
    }

    private static double dot(float[] a, float[] b) {
        return TestVectors.exactDot(a, b, DIM);
    }
}
