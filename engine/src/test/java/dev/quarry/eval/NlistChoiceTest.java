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
    }

    @Test
    void candidatesArePowersOfTwoAroundTheSquareRoot() {
        assertArrayEquals(new int[] {128, 256, 512, 1024, 2048, 4096}, NlistChoice.candidates(1_000_000));
        assertArrayEquals(new int[] {2, 4, 8, 16, 32, 64}, NlistChoice.candidates(100));
        assertArrayEquals(new int[] {1}, NlistChoice.candidates(1));
    }

    @Test
    void costCountsCentroidsAndListsAndPenalisesListsSharedByFewAnchors() {
        // 1M x 384 at nprobe 1: 1,024 centroids + 977 rows, each list met by 64 anchors per thread (no penalty).
        assertEquals(1024 * 384 + 1_000_000.0 / 1024 * 384, NlistChoice.cost(1024, 1, 1_000_000, 384, 2, 100), 1);
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
            assertTrue(choice.why().startsWith("nlist " + choice.nlist() + ": the least work per anchor"), choice.why());
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
}
