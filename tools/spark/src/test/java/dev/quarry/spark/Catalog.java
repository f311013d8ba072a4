package dev.quarry.spark;

import dev.quarry.io.OutputFormat;
import dev.quarry.io.OutputOptions;
import dev.quarry.mining.MiningConfig;
import dev.quarry.pipeline.MiningRequest;
import dev.quarry.pipeline.MiningRunner;
import dev.quarry.store.VectorStore;
import dev.quarry.testing.TestFiles;
import dev.quarry.testing.TestVectors;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A small catalog where the merge and the filters have work: 3,000 x 24 unit rows, of which rows
 * {@code [2000, 2100)} are exact copies of rows {@code [0, 100)} (equal scores in different shards: ties the
 * total order must break by ordinal; copies of a positive: near-duplicates), and 400 anchors, each a
 * perturbed copy of its positive.
 */
record Catalog(Path dir, Path corpus, Path queries, Path qrels) {
    static final int ROWS = 3000;
    static final int ANCHORS = 400;

    static Catalog write(Path dir) {
        SplittableRandom random = new SplittableRandom(11);
        float[][] rows = TestVectors.normalized(TestVectors.rows(random, ROWS, 24));
        for (int i = 0; i < 100; i++) {
            rows[2000 + i] = rows[i].clone();
        }
        float[][] anchors = new float[ANCHORS][];
        StringBuilder qrels = new StringBuilder();
        for (int i = 0; i < ANCHORS; i++) {
            int positive = (i * 37) % 2100;
            float[] noise = TestVectors.rows(random, 1, 24)[0];
            anchors[i] = new float[24];
            for (int k = 0; k < 24; k++) {
                anchors[i][k] = rows[positive][k] + 0.15f * noise[k];
            }
            qrels.append(i).append('\t').append(positive).append('\n');
        }
        anchors = TestVectors.normalized(anchors);
        try {
            Files.writeString(dir.resolve("qrels.tsv"), qrels);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Catalog(dir, TestFiles.qvec(dir.resolve("corpus.qvec"), rows, true),
                TestFiles.qvec(dir.resolve("queries.qvec"), anchors, true), dir.resolve("qrels.tsv"));
    }

    /** The anchors' vectors as a table's column holds them: {@code dim} values each (zeros added, or cut). */
    List<List<Float>> anchorVectors(int dim) {
        List<List<Float>> out = new ArrayList<>();
        try (VectorStore store = VectorStore.open(queries)) {
            float[] v = new float[store.dim()];
            for (int i = 0; i < ANCHORS; i++) {
                store.copyRow(i, v);
                List<Float> vector = new ArrayList<>();
                for (int k = 0; k < dim; k++) {
                    vector.add(k < v.length ? v[k] : 0f);
                }
                out.add(vector);
            }
        }
        return out;
    }

    /** A request over this catalog writing {@code output}, for a test to add what it varies (index, block size). */
    MiningRequest.Builder builder(Path output, MiningConfig config, OutputOptions options) {
        return MiningRequest.builder(corpus, qrels, output).queries(queries).config(config).outputOptions(options);
    }

    /** A request over this catalog writing {@code output}, on two threads. */
    MiningRequest request(Path output, MiningConfig config, OutputOptions options) {
        return builder(output, config, options).threads(2).build();
    }

    /** Mines with {@code quarry mine}'s runner on this machine. */
    void mineOnOneMachine(MiningRequest request) {
        new MiningRunner(VectorKernelsProvider.get()).run(request, null);
    }

    static OutputOptions options(OutputFormat format, int negatives) {
        return new OutputOptions(format, negatives, true, true, false);
    }
}
