package dev.quarry.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.QuarryDataException;
import dev.quarry.labels.Qrels;
import dev.quarry.store.VectorStore;
import dev.quarry.testing.TestVectors;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Held-out recall of exact search, of the queries as stored or through a model, with a query's own row left out. */
class HeldoutRecallTest {
    private static final VectorKernels KERNELS = VectorKernelsProvider.get();

    @Test
    void measuresTheQueriesAsStoredAndThroughATransform() {
        SplittableRandom random = new SplittableRandom(3);
        float[][] corpus = TestVectors.normalized(TestVectors.rows(random, 1500, 12));
        float[][] queries = new float[300][];
        Qrels.Builder pairs = new Qrels.Builder();
        for (int q = 0; q < 300; q++) {
            queries[q] = corpus[q].clone(); // query q is a copy of row q, its relevant document
            pairs.add(q, q);
        }
        try (VectorStore c = VectorStore.copyOf("c", corpus, false);
             VectorStore qs = VectorStore.copyOf("q", queries, false)) {
            HeldoutQueries heldout = HeldoutQueries.of(qs, pairs.build(), false, Path.of("h.tsv"));
            HeldoutRecall asStored = HeldoutRecall.measure(c, heldout, null, KERNELS, 2);
            assertEquals(1.0, asStored.recallAt10());
            assertEquals(1.0, asStored.ndcgAt10(), 1e-12);
            assertEquals(300, asStored.queries());
            // Turned around, a query's own row scores lowest of all: never in the top 100 of 1,500 rows.
            HeldoutRecall negated = HeldoutRecall.measure(c, heldout, (in, out) -> {
                for (int i = 0; i < in.length; i++) {
                    out[i] = -in[i];
                }
            }, KERNELS, 1);
            assertEquals(0.0, negated.recallAt100());
            // Queries that are rows of the corpus do not retrieve themselves: with itself as the only relevant
            // document, recall is 0 (and the exclusion is what makes it so).
            HeldoutQueries selves = HeldoutQueries.of(c, pairs.build(), true, Path.of("h.tsv"));
            assertEquals(0.0, HeldoutRecall.measure(c, selves, null, KERNELS, 2).recallAt100());
        }
    }

    @Test
    void aHeldOutSetWithoutARelevantDocumentIsRefused() {
        try (VectorStore c = VectorStore.copyOf("c", new float[][] {{1, 0}, {0, 1}}, false)) {
            QuarryDataException e = assertThrows(QuarryDataException.class,
                    () -> HeldoutQueries.of(c, Qrels.empty(), false, Path.of("h.tsv")));
            assertTrue(e.getMessage().startsWith("h.tsv: queries with a relevant document=0"), e.getMessage());
        }
    }
}
