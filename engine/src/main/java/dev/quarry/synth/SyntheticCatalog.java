package dev.quarry.synth;

import dev.quarry.Seeds;
import dev.quarry.files.AtomicOutput;
import dev.quarry.store.QvecWriter;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * A catalog where the truth is known, to measure what mining gets wrong. Documents cluster around
 * topic centres on the unit sphere (a document is its centre plus noise of the same norm, so two
 * documents of a topic have cosine about 0.5); an anchor is a noisy copy of its positive (cosine
 * about 0.86), so the other documents of the topic are its hard negatives. Two failure modes are
 * planted:
 * <ul>
 *   <li><b>unlabelled positives</b>: for a share of anchors, 1 to {@code maxPlanted} copies of the
 *   positive, from near duplicates to paraphrases, are added to the corpus and not labelled: a miner
 *   that takes the hardest ranks takes them as negatives;</li>
 *   <li><b>label noise</b>: for a share of anchors the label names a random document; the true positive
 *   stays unlabelled and scores as high as a positive.</li>
 * </ul>
 * Written as {@code corpus.qvec} (+ {@code .ids}, {@code d0, d1, ...}), {@code queries.qvec}
 * (+ {@code .ids}, {@code q0, ...}), {@code qrels.tsv}, {@code truth.tsv} (every true positive:
 * {@code anchor doc kind}, kind {@code labelled}, {@code planted} or {@code mislabelled}) and text
 * files {@code corpus.jsonl} and {@code queries.jsonl}.
 */
public final class SyntheticCatalog {
    private static final long TOPIC_STREAM = -2;
    private static final long ANCHOR_STREAM = 0x414e43484f52L;
    private static final long PLANT_STREAM = 0x504c414e54L;
    private static final long MODEL_B_STREAM = 0x4d4f44454c42L;
    /** Noise norm of a document around its topic centre. */
    private static final double DOC_NOISE = 1.0;
    /** Noise norm of an anchor around its positive. */
    private static final double ANCHOR_NOISE = 0.6;
    /**
     * Noise norm of a planted copy around the positive, drawn per copy in this range: from a near
     * duplicate (cosine 0.98 to the positive) to a loose paraphrase (cosine 0.64), as unlabelled
     * positives come in practice; the loosest rank among the topic's ordinary documents.
     */
    private static final double COPY_NOISE_MIN = 0.2;
    private static final double COPY_NOISE_MAX = 1.2;

    private final CatalogSpec spec;
    private final float[] centres;
    private final int[] positive;
    private final int[] labelled;
    private final int[] plantedFirst;
    private final int[] plantedCount;
    private final int totalDocs;

    /** Plans the catalog (cheap); {@link #write} generates the vectors. */
    public SyntheticCatalog(CatalogSpec spec) {
        this.spec = spec;
        int d = spec.dim();
        centres = new float[spec.topics() * d];
        SplittableRandom topicRandom = Seeds.random(spec.seed(), TOPIC_STREAM);
        for (int t = 0; t < spec.topics(); t++) {
            SphereMath.addGaussian(topicRandom, centres, t * d, d, 1.0 / Math.sqrt(d));
            SphereMath.normalize(centres, t * d, d);
        }
        positive = new int[spec.anchors()];
        labelled = new int[spec.anchors()];
        plantedFirst = new int[spec.anchors()];
        plantedCount = new int[spec.anchors()];
        int next = spec.docs();
        for (int a = 0; a < spec.anchors(); a++) {
            SplittableRandom r = Seeds.random(spec.seed() ^ ANCHOR_STREAM, a);
            positive[a] = r.nextInt(spec.docs());
            boolean noisy = r.nextDouble() < spec.labelNoise();
            int wrong = r.nextInt(spec.docs() - 1);
            labelled[a] = noisy ? (wrong >= positive[a] ? wrong + 1 : wrong) : positive[a];
            plantedFirst[a] = next;
            plantedCount[a] = r.nextDouble() < spec.plantedFraction() ? 1 + r.nextInt(spec.maxPlanted()) : 0;
            next += plantedCount[a];
        }
        totalDocs = next;
    }

    public CatalogSpec spec() {
        return spec;
    }

    /** Documents in the corpus, planted copies included. */
    public int totalDocs() {
        return totalDocs;
    }

    /** Corpus row {@code doc} (unit norm) into {@code out[off..off+dim)}. */
    public void docRow(int doc, float[] out, int off) {
        int d = spec.dim();
        if (doc < spec.docs()) {
            SplittableRandom r = Seeds.random(spec.seed(), doc);
            int topic = r.nextInt(spec.topics());
            System.arraycopy(centres, topic * d, out, off, d);
            SphereMath.addGaussian(r, out, off, d, DOC_NOISE / Math.sqrt(d));
        } else {
            int anchor = ownerOfPlanted(doc);
            docRow(positive[anchor], out, off);
            SplittableRandom copy = Seeds.random(spec.seed() ^ PLANT_STREAM, doc);
            double noise = COPY_NOISE_MIN + (COPY_NOISE_MAX - COPY_NOISE_MIN) * copy.nextDouble();
            SphereMath.addGaussian(copy, out, off, d, noise / Math.sqrt(d));
        }
        SphereMath.normalize(out, off, d);
    }

    /** Anchor {@code a}'s vector (a noisy copy of its true positive) into {@code out[off..off+dim)}. */
    public void anchorRow(int a, float[] out, int off) {
        docRow(positive[a], out, off);
        int d = spec.dim();
        SphereMath.addGaussian(Seeds.random(spec.seed() ^ ANCHOR_STREAM ^ PLANT_STREAM, a), out, off, d,
                ANCHOR_NOISE / Math.sqrt(d));
        SphereMath.normalize(out, off, d);
    }

    /** The truth of this catalog. */
    public CatalogTruth truth() {
        return new CatalogTruth(positive, labelled, plantedFirst, plantedCount);
    }

    /** Writes every file of the catalog into {@code dir}. */
    public void write(Path dir) {
        writeVectors(dir.resolve("corpus.qvec"), totalDocs, this::docRow);
        writeVectors(dir.resolve("queries.qvec"), spec.anchors(), this::anchorRow);
        writeLines(dir.resolve("corpus.qvec.ids"), totalDocs, i -> "d" + i + "\n");
        writeLines(dir.resolve("queries.qvec.ids"), spec.anchors(), i -> "q" + i + "\n");
        writeLines(dir.resolve("qrels.tsv"), spec.anchors(), a -> "q" + a + "\td" + labelled[a] + "\t1\n");
        writeLines(dir.resolve("truth.tsv"), spec.anchors(), a -> {
            StringBuilder sb = new StringBuilder();
            sb.append('q').append(a).append("\td").append(positive[a]).append('\t')
                    .append(labelled[a] == positive[a] ? "labelled" : "mislabelled").append('\n');
            for (int i = 0; i < plantedCount[a]; i++) {
                sb.append('q').append(a).append("\td").append(plantedFirst[a] + i).append("\tplanted\n");
            }
            return sb.toString();
        });
        writeLines(dir.resolve("corpus.jsonl"), totalDocs, i -> String.format(Locale.ROOT,
                "{\"id\": \"d%d\", \"text\": \"document %d%s\"}%n", i, i,
                i >= spec.docs() ? ", a near-copy of document " + positive[ownerOfPlanted(i)] : ""));
        writeLines(dir.resolve("queries.jsonl"), spec.anchors(), a -> String.format(Locale.ROOT,
                "{\"id\": \"q%d\", \"text\": \"query %d, about document %d\"}%n", a, a, positive[a]));
    }

    /**
     * Writes a second "model" of the same catalog, {@code corpus-b.qvec} and {@code queries-b.qvec}:
     * every row of the first model plus Gaussian noise of norm {@code noise}, renormalized. Another
     * model sees the same documents a little differently, which is what cross-model agreement uses.
     */
    public void writeSecondModel(Path dir, double noise) {
        int d = spec.dim();
        double sigma = noise / Math.sqrt(d);
        writeVectors(dir.resolve("corpus-b.qvec"), totalDocs, (row, out, off) -> {
            docRow(row, out, off);
            SphereMath.addGaussian(Seeds.random(spec.seed() ^ MODEL_B_STREAM, row), out, off, d, sigma);
            SphereMath.normalize(out, off, d);
        });
        writeVectors(dir.resolve("queries-b.qvec"), spec.anchors(), (row, out, off) -> {
            anchorRow(row, out, off);
            SphereMath.addGaussian(Seeds.random(spec.seed() ^ MODEL_B_STREAM ^ ANCHOR_STREAM, row), out, off, d, sigma);
            SphereMath.normalize(out, off, d);
        });
    }

    private int ownerOfPlanted(int doc) {
        int lo = 0;
        int hi = spec.anchors() - 1;
        while (lo < hi) { // the last anchor whose planted range starts at or before doc
            int mid = (lo + hi + 1) >>> 1;
            if (plantedFirst[mid] <= doc) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    @FunctionalInterface
    private interface RowMaker {
        void make(int row, float[] out, int off);
    }

    private void writeVectors(Path file, int rows, RowMaker maker) {
        int d = spec.dim();
        int chunk = Math.max(1, (1 << 20) / d);
        float[] buf = new float[chunk * d];
        try (QvecWriter writer = QvecWriter.create(file, d)) {
            for (int first = 0; first < rows; first += chunk) {
                int n = Math.min(chunk, rows - first);
                int start = first;
                IntStream.range(0, n).parallel().forEach(i -> maker.make(start + i, buf, i * d));
                writer.write(buf, 0, n);
            }
            writer.finish(true);
        }
    }

    @FunctionalInterface
    private interface LineMaker {
        String line(int i);
    }

    private static void writeLines(Path file, int count, LineMaker maker) {
        try (AtomicOutput out = AtomicOutput.create(file)) {
            Writer writer = new BufferedWriter(Channels.newWriter(out.channel(), StandardCharsets.UTF_8), 1 << 16);
            for (int i = 0; i < count; i++) {
                writer.write(maker.line(i));
            }
            writer.flush();
            out.commit();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
