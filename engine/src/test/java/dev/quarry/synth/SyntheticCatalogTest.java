package dev.quarry.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.store.VectorStore;
import dev.quarry.testing.TestVectors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The planted truth is what it claims: near-copies are near, wrong labels are wrong, files agree. */
class SyntheticCatalogTest {
    @TempDir
    Path dir;

    @Test
    void plantsNearCopiesAndWrongLabelsAsDescribed() throws IOException {
        CatalogSpec spec = new CatalogSpec(2000, 400, 128, 20, 0.5, 3, 0.1, 9);
        SyntheticCatalog catalog = new SyntheticCatalog(spec);
        catalog.write(dir);
        CatalogTruth truth = catalog.truth();
        List<String> truthLines = Files.readAllLines(dir.resolve("truth.tsv"));
        List<String> qrels = Files.readAllLines(dir.resolve("qrels.tsv"));
        assertEquals(400, qrels.size());
        long mislabelled = truthLines.stream().filter(l -> l.endsWith("mislabelled")).count();
        long planted = truthLines.stream().filter(l -> l.endsWith("planted")).count();
        assertEquals(catalog.totalDocs() - 2000, planted);
        assertTrue(mislabelled > 20 && mislabelled < 70, "about 10% of 400: " + mislabelled);
        assertTrue(planted > 200 && planted < 600, "about half the anchors, 1-3 copies each: " + planted);

        try (VectorStore corpus = VectorStore.open(dir.resolve("corpus.qvec"));
             VectorStore queries = VectorStore.open(dir.resolve("queries.qvec"))) {
            float[] doc = new float[128];
            float[] other = new float[128];
            float[] query = new float[128];
            for (String line : truthLines) {
                String[] f = line.split("\t");
                int a = Integer.parseInt(f[0].substring(1));
                int d = Integer.parseInt(f[1].substring(1));
                assertTrue(truth.isTruePositive(a, d), line);
                queries.copyRow(a, query);
                corpus.copyRow(d, doc);
                if (!f[2].equals("planted")) {
                    assertTrue(TestVectors.exactDot(query, doc, 128) > 0.6, "the real positive scores high: " + line);
                }
                if (f[2].equals("planted")) {
                    int positive = Integer.parseInt(truthLines.stream()
                            .filter(l -> l.startsWith("q" + a + "\t") && !l.endsWith("planted"))
                            .findFirst().orElseThrow().split("\t")[1].substring(1));
                    corpus.copyRow(positive, other);
                    assertTrue(TestVectors.exactDot(doc, other, 128) > 0.45, "a copy of the positive: " + line);
                }
                assertEquals(f[2].equals("mislabelled"), truth.mislabelled(a) && !f[2].equals("planted"), line);
            }
        }
    }
}
