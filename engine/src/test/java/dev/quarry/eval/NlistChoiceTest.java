package dev.quarry.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.index.flat.FlatIndex;
import dev.quarry.index.ivf.IvfBuilder;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.index.ivf.KMeansParams;
import dev.quarry.index.ivf.ListEncoding;
import dev.quarry.store.VectorStore;
import dev.quarry.synth.BenchmarkVectors;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --nlist auto}: candidates around sqrt(N), the cheapest one reaching the target, and a recall the index keeps. */
class NlistChoiceTest {
    private static final VectorKernels KERNELS = VectorKernelsProvider.get();

    @TempDir
    static Path data;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeData() {
        BenchmarkVectors clustered = new BenchmarkVectors(BenchmarkVectors.Kind.CLUSTERED, 24, 7);
        clustered.write(data.resolve("corpus.qvec"), 20_000, 0, null);
        clustered.write(data.resolve("queries.qvec"), 300, 20_000, null);
        // No clusters: a query's neighbours spread over many cells, so the target needs many probes at every nlist.
        BenchmarkVectors uniform = new BenchmarkVectors(BenchmarkVectors.Kind.UNIFORM, 32, 11);
        uniform.write(data.resolve("uniform.qvec"), 20_000, 0, null);
        uniform.write(data.resolve("uniform-queries.qvec"), 200, 20_000, null);
    }

    @Test
    void candidatesArePowersOfTwoAroundTheSquareRoot() {
        assertArrayEquals(new int[] {128, 256, 512, 1024, 2048, 4096}, NlistChoice.candidates(1_000_000));
        assertArrayEquals(new int[] {2, 4, 8, 16, 32, 64}, NlistChoice.candidates(100));
        assertArrayEquals(new int[] {1}, NlistChoice.candidates(1));
    }

    @Test
    void costCountsCentroidsAndListsAndPenalisesListsSharedByFewAnchors() {
        // 1M x 384 at nprobe 1: 1,024 centroids + 977 rows, each list met by 64 anchors per thread (no sharing
        // penalty), at the list kernels' rate on lists of 977 rows.
        double rows = 1_000_000.0 / 1024;
        assertEquals(1024 * 384 + rows * 384 / NlistChoice.listRate(rows),
                NlistChoice.cost(1024, 1, 1_000_000, 384, 2, 100), 1);
        double few = NlistChoice.cost(65_536, 1, 1_000_000, 384, 2, 100);
        assertTrue(few > 65_536 * 384 + 1_000_000.0 / 65_536 * 384, "lists shared by few anchors cost more: " + few);
    }

    @Test
    void choosesTheCheapestNlistReachingTheTargetAndTheBuiltIndexReachesIt() {
        try (VectorStore store = VectorStore.open(data.resolve("corpus.qvec"));
             VectorStore queries = VectorStore.open(data.resolve("queries.qvec"))) {
            KMeansParams base = new KMeansParams(1, 6, 64, 0, true, 42, 2);
            NlistChoice.Result choice = NlistChoice.choose(store, base, queries, 300, 100, 0.9, KERNELS, null);
            NlistChoice.Result again = NlistChoice.choose(store, base, queries, 300, 100, 0.9, KERNELS, null);
            assertEquals(choice.nlist(), again.nlist(), "deterministic for a seed");
            assertEquals(choice.nprobe(), again.nprobe());
            assertTrue(choice.why().startsWith("nlist " + choice.nlist() + ": the least modelled work per anchor"), choice.why());
            double chosenCost = Double.NaN;
            for (NlistChoice.Candidate c : choice.candidates()) {
                if (c.tried() && c.nprobe() > 0) {
                    assertTrue(c.recall() >= 0.9, c.toString());
                }
                if (c.nlist() == choice.nlist()) {
                    chosenCost = c.cost();
                }
            }
            for (NlistChoice.Candidate c : choice.candidates()) {
                assertTrue(c.cost() >= chosenCost, "no candidate is cheaper than the choice: " + c);
            }
            assertTrue(choice.describe(0.9, 100).contains("<- chosen"), choice.describe(0.9, 100));

            // The recall the choice measured is the built index's: same centroids, same assignment, same probes.
            Path file = dir.resolve("auto.qivf");
            new IvfBuilder(KERNELS).build(store, new KMeansParams(choice.nlist(), 6, 64, 0, true, 42, 2),
                    ListEncoding.FLOAT32, choice.trained(), file, null);
            try (IvfIndex ivf = IvfIndex.open(file, store, KERNELS)) {
                List<IndexRecall.Point> points = IndexRecall.sweep(new FlatIndex(store, KERNELS), ivf, queries, 300,
                        100, new int[] {choice.nprobe()}, 2);
                NlistChoice.Candidate chosen = choice.candidates().stream()
                        .filter(c -> c.nlist() == choice.nlist()).findFirst().orElseThrow();
                assertEquals(chosen.recall(), points.getFirst().recall(), 1e-9);
            }
        }
    }

    @Test
    void costRanksTheRealSentenceEmbeddingsSettingsAsTheirMeasuredTimesDo() {
        // bench/README.md, "The real sentence embeddings, 2026-12-07": 208,284 x 384, each nlist at its smallest
        // nprobe for recall@100 0.95; in process, anchors/min of 227k (64/24), 350k (256/64), 372k (1,024/160) and
        // 96k (4,096/384), and the whole quarry mine command at 1,024/160 0.93x the wall of 256/64.
        long n = 208_284;
        double at64 = NlistChoice.cost(64, 24, n, 384, 2, 100);
        double at256 = NlistChoice.cost(256, 64, n, 384, 2, 100);
        double at1024 = NlistChoice.cost(1024, 160, n, 384, 2, 100);
        double at4096 = NlistChoice.cost(4096, 384, n, 384, 2, 100);
        assertTrue(at1024 < at256 && at256 < at64 && at256 < at4096,
                "measured order 1,024 < 256 < 64, 4,096: " + at1024 + " " + at256 + " " + at64 + " " + at4096);
        assertEquals(350.0 / 227, at64 / at256, 0.15 * 350 / 227, "64/24 against 256/64");
        assertEquals(350.0 / 372, at1024 / at256, 0.15 * 350 / 372, "1,024/160 against 256/64");
        assertEquals(350.0 / 96, at4096 / at256, 0.15 * 350 / 96, "4,096/384 against 256/64");
    }

    @Test
    void listRateIsHalfAtTheFittedLengthAndNearlyWholeOnLongLists() {
        assertEquals(0.5, NlistChoice.listRate(NlistChoice.HALF_RATE_ROWS), 1e-12);
        assertTrue(NlistChoice.listRate(51) < 0.12, "lists of 51 rows ran at about 0.1 of the long lists' rate");
        assertTrue(NlistChoice.listRate(3254) > 0.99);
    }

    @Test
    void costNeverFallsAsNprobeGrows() {
        // The search stops at the first nprobe costing at least the best candidate: sound only if cost is monotone.
        for (long n : new long[] {20_000, 208_284, 1_000_000, 10_000_000}) {
            for (int nlist : NlistChoice.candidates(n)) {
                for (int threads : new int[] {1, 2, 8}) {
                    double previous = 0;
                    for (int nprobe = 1; nprobe <= nlist; nprobe++) {
                        double cost = NlistChoice.cost(nlist, nprobe, n, 384, threads, 100);
                        assertTrue(cost >= previous, "n=" + n + " nlist=" + nlist + " threads=" + threads
                                + " nprobe=" + nprobe + ": " + cost + " < " + previous);
                        previous = cost;
                    }
                }
            }
        }
    }

    @Test
    void findsTheSmallestNprobeBeyondSixtyFourWhenTheTargetNeedsIt() {
        try (VectorStore store = VectorStore.open(data.resolve("uniform.qvec"));
             VectorStore queries = VectorStore.open(data.resolve("uniform-queries.qvec"))) {
            KMeansParams base = new KMeansParams(1, 6, 64, 0, false, 42, 2);
            NlistChoice.Result choice = NlistChoice.choose(store, base, queries, 200, 100, 0.95, KERNELS, null);
            assertTrue(choice.nprobe() > 64, "the target needs more than 64 probes here: " + choice.describe(0.95, 100));
            assertSmallestOnTheBuiltIndex(store, queries, base, choice, 200, 0.95);
            assertTrue(choice.describe(0.95, 100).contains("<- chosen"), choice.describe(0.95, 100));
        }
    }

    @Test
    void pruningByCostChoosesWhatAnExhaustiveSearchChooses() {
        for (String set : new String[] {"corpus", "uniform"}) {
            try (VectorStore store = VectorStore.open(data.resolve(set + ".qvec"))) {
                KMeansParams base = new KMeansParams(1, 4, 32, 0, false, 7, 2);
                for (double target : new double[] {0.8, 0.95}) {
                    NlistChoice.Result pruned = NlistChoice.choose(store, base, null, 150, 50, target, KERNELS, null,
                            true);
                    NlistChoice.Result all = NlistChoice.choose(store, base, null, 150, 50, target, KERNELS, null,
                            false);
                    String both = pruned.describe(target, 50) + "\n" + all.describe(target, 50);
                    assertTrue(all.candidates().stream().allMatch(NlistChoice.Candidate::tried), both);
                    assertEquals(all.nlist(), pruned.nlist(), both);
                    assertEquals(all.nprobe(), pruned.nprobe(), both);
                    double cheapest = all.candidates().stream().mapToDouble(NlistChoice.Candidate::cost).min()
                            .orElseThrow();
                    NlistChoice.Candidate chosen = pruned.candidates().stream()
                            .filter(c -> c.nlist() == pruned.nlist()).findFirst().orElseThrow();
                    assertEquals(cheapest, chosen.cost(), 0, both);
                    for (NlistChoice.Candidate c : pruned.candidates()) {
                        assertTrue(c.cost() >= chosen.cost(), "nothing ruled out is cheaper: " + c + "\n" + both);
                    }
                    if (set.equals("uniform") && target == 0.95) {
                        assertTrue(pruned.candidates().stream().anyMatch(c -> !c.tried() || c.stoppedByCost()),
                                "the pruning was exercised: " + both);
                    }
                }
            }
        }
    }

    /** The choice's recall is the built index's at its nprobe, and one probe fewer misses the target. */
    private void assertSmallestOnTheBuiltIndex(VectorStore store, VectorStore queries, KMeansParams base,
                                               NlistChoice.Result choice, int sample, double target) {
        Path file = dir.resolve("smallest-" + choice.nlist() + ".qivf");
        new IvfBuilder(KERNELS).build(store, new KMeansParams(choice.nlist(), base.iterations(),
                        base.maxPointsPerCentroid(), 0, base.spherical(), base.seed(), base.threads()),
                ListEncoding.FLOAT32, choice.trained(), file, null);
        try (IvfIndex ivf = IvfIndex.open(file, store, KERNELS)) {
            List<IndexRecall.Point> points = IndexRecall.sweep(new FlatIndex(store, KERNELS), ivf, queries, sample,
                    100, new int[] {choice.nprobe() - 1, choice.nprobe()}, 2);
            assertTrue(points.get(0).recall() < target, "nprobe " + (choice.nprobe() - 1) + " already reaches "
                    + target + ": " + points.get(0).recall());
            assertTrue(points.get(1).recall() >= target, "nprobe " + choice.nprobe() + ": " + points.get(1).recall());
        }
    }
}
