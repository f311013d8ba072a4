package dev.quarry.tune;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.quarry.Progress;
import dev.quarry.eval.HeldoutRecall;
import dev.quarry.mining.candidate.Shortfall;
import dev.quarry.options.MineOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;

/**
 * What a {@code quarry tune} run found: per candidate, the held-out metrics of the adapter trained on its
 * mined set for each seed, and what it mined; which candidate is best (the highest mean recall@10 among
 * those that mine) and whether it beats in-batch negatives alone. Printed as a table, written as JSON, and
 * the best candidate's settings as an options file.
 *
 * @param rows one per candidate, in the order given (the in-batch baseline among them)
 * @param baseline the row of in-batch only
 * @param best the row of the best mining candidate
 * @param untrained the held-out metrics of the embeddings as given (the adapter at its start, the identity)
 * @param setup what the run trained and evaluated on
 * @param seconds the run's wall time
 */
public record TuneReport(List<Row> rows, int baseline, int best, HeldoutRecall untrained, Setup setup,
                         double seconds) {

    /**
     * One candidate's results.
     *
     * @param candidate the candidate
     * @param recall10 held-out recall@10 per seed
     * @param ndcg10 held-out nDCG@10 per seed
     * @param recall100 held-out recall@100 per seed
     * @param loss the training loss of the last epoch, per seed
     * @param mined what it mined, per distinct mining run (one for a seed-free configuration, none for in-batch only)
     */
    public record Row(TuneCandidate candidate, double[] recall10, double[] ndcg10, double[] recall100, double[] loss,
                      List<MinedSetSummary> mined) {
    }

    /**
     * What the run trained and evaluated on.
     *
     * @param trainingAnchors labelled anchors mined and trained on
     * @param heldoutQueries held-out queries evaluated
     * @param heldout where they came from (files, or a split)
     * @param corpusRows rows of the corpus
     * @param dim dimension
     * @param search the index mined with
     * @param training how the adapter was trained
     * @param seed the first seed
     * @param seeds seeds per candidate
     * @param knownTruth whether false negatives could be counted (known positives or a truth file)
     */
    public record Setup(long trainingAnchors, long heldoutQueries, String heldout, long corpusRows, int dim,
                        String search, TrainingOptions training, long seed, int seeds, boolean knownTruth) {
    }

    /** Mean of {@code values}. */
    public static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }

    /** Sample standard deviation of {@code values} (0 for one value): the spread over seeds. */
    public static double spread(double[] values) {
        if (values.length < 2) {
            return 0;
        }
        double m = mean(values);
        double sq = 0;
        for (double v : values) {
            sq += (v - m) * (v - m);
        }
        return Math.sqrt(sq / (values.length - 1));
    }

    /** Whether the best mining candidate's mean recall@10 is above in-batch only's. */
    public boolean minedBeatsInBatch() {
        return mean(rows.get(best).recall10()) > mean(rows.get(baseline).recall10());
    }

    /** The warning printed when no mined set beats in-batch negatives alone, or null. */
    public String warning() {
        if (minedBeatsInBatch()) {
            return null;
        }
        return String.format(Locale.ROOT, "no mined configuration beats in-batch only (best: %s, recall@10 %.4f"
                        + " against %.4f): the mined negatives do not help this model, or hold unlabelled positives;"
                        + " check a review sample (quarry audit --sample) before training with them",
                rows.get(best).candidate().name(), mean(rows.get(best).recall10()),
                mean(rows.get(baseline).recall10()));
    }

    /** Prints the table and the verdict. */
    public void print(PrintWriter out) {
        Setup s = setup;
        long mining = rows.stream().filter(r -> r.candidate().mines()).count();
        out.printf(Locale.ROOT, "quarry tune: %d mining configuration%s and in-batch only, %d seed%s each; %,d training"
                        + " anchors, %,d held-out queries (%s), %,d rows (d=%d), mined with %s%n", mining,
                mining == 1 ? "" : "s", s.seeds(), s.seeds() == 1 ? "" : "s", s.trainingAnchors(), s.heldoutQueries(),
                s.heldout(), s.corpusRows(), s.dim(), s.search());
        out.printf(Locale.ROOT, "model: a linear adapter on the query embeddings (d x d from the identity), InfoNCE"
                + " (%s), trained per mined set and seed; held-out metrics by exact search%n", s.training().describe());
        out.printf(Locale.ROOT, "%-44s %17s %8s %10s %11s %9s %9s %9s%n", "", "recall@10", "nDCG@10", "recall@100",
                "no negative", "left out", "neg score", s.knownTruth() ? "known FN" : "");
        out.printf(Locale.ROOT, "%-44s %17s %8.4f %10.4f%n", "no training (the embeddings as given)",
                String.format(Locale.ROOT, "%.4f", untrained.recallAt10()), untrained.ndcgAt10(), untrained.recallAt100());
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            String recall = String.format(Locale.ROOT, "%.4f ± %.4f", mean(r.recall10()), spread(r.recall10()));
            String name = (i == best ? "* " : "  ") + r.candidate().name();
            if (r.mined().isEmpty()) {
                out.printf(Locale.ROOT, "%-44s %17s %8.4f %10.4f%n", name, recall, mean(r.ndcg10()),
                        mean(r.recall100()));
                continue;
            }
            out.printf(Locale.ROOT, "%-44s %17s %8.4f %10.4f %10.2f%% %8.2f%% %9.3f %9s%n", name, recall,
                    mean(r.ndcg10()), mean(r.recall100()), 100 * meanOf(r, MinedSetSummary::withoutNegativeShare),
                    100 * meanOf(r, MinedSetSummary::leftOutShare), meanOf(r, MinedSetSummary::meanNegativeScore),
                    s.knownTruth() ? String.format(Locale.ROOT, "%.2f%%", 100 * meanOf(r,
                            MinedSetSummary::falseNegativeRate)) : "");
        }
        Row b = rows.get(best);
        Row in = rows.get(baseline);
        out.printf(Locale.ROOT, "* best: %s, recall@10 %.4f ± %.4f (in-batch only %.4f ± %.4f; spread: standard"
                        + " deviation over seeds)%n", b.candidate().name(), mean(b.recall10()), spread(b.recall10()),
                mean(in.recall10()), spread(in.recall10()));
        out.println("  options: " + (b.candidate().options().isEmpty() ? "(none: the defaults)" : b.candidate().options()));
        out.printf(Locale.ROOT, "tuned in %s%n", Progress.duration(seconds));
        String warning = warning();
        if (warning != null) {
            out.println("warning: " + warning);
        }
    }

    private static double meanOf(Row r, java.util.function.ToDoubleFunction<MinedSetSummary> f) {
        return r.mined().stream().mapToDouble(f).average().orElse(Double.NaN);
    }

    /**
     * The best candidate's settings, with the first seed (the one its first mined set used): what the options
     * file holds.
     */
    public MineOptions bestOptions() {
        return rows.get(best).candidate().config().withSeed(setup.seed()).options();
    }

    /** Where the options file's settings come from, in a sentence (the file's {@code source}). */
    public String source() {
        Row b = rows.get(best);
        return String.format(Locale.ROOT, "quarry tune: the best of %d mining configurations by held-out recall@10"
                        + " after training: %s (%s), %.4f +- %.4f over %d seeds (in-batch only: %.4f)",
                rows.size() - 1, b.candidate().name(), b.candidate().options().isEmpty() ? "the defaults"
                        : b.candidate().options(), mean(b.recall10()), spread(b.recall10()), setup.seeds(),
                mean(rows.get(baseline).recall10()));
    }

    /** The whole report as JSON. */
    public byte[] json() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator g = new JsonFactory().createGenerator(bytes, JsonEncoding.UTF8)) {
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeNumberField("training_anchors", setup.trainingAnchors());
            g.writeNumberField("heldout_queries", setup.heldoutQueries());
            g.writeStringField("heldout", setup.heldout());
            g.writeNumberField("corpus_rows", setup.corpusRows());
            g.writeNumberField("dim", setup.dim());
            g.writeStringField("search", setup.search());
            g.writeObjectFieldStart("training");
            g.writeNumberField("temperature", setup.training().temperature());
            g.writeNumberField("learning_rate", setup.training().learningRate());
            g.writeNumberField("epochs", setup.training().epochs());
            g.writeNumberField("batch_size", setup.training().batchSize());
            g.writeEndObject();
            g.writeNumberField("seed", setup.seed());
            g.writeNumberField("seeds", setup.seeds());
            g.writeNumberField("seconds", seconds);
            g.writeObjectFieldStart("untrained");
            g.writeNumberField("recall_at_10", untrained.recallAt10());
            g.writeNumberField("ndcg_at_10", untrained.ndcgAt10());
            g.writeNumberField("recall_at_100", untrained.recallAt100());
            g.writeEndObject();
            g.writeArrayFieldStart("candidates");
            for (int i = 0; i < rows.size(); i++) {
                writeRow(g, rows.get(i), i == best, i == baseline);
            }
            g.writeEndArray();
            g.writeStringField("best", rows.get(best).candidate().name());
            g.writeBooleanField("mined_beats_in_batch", minedBeatsInBatch());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private void writeRow(JsonGenerator g, Row r, boolean isBest, boolean isBaseline) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", r.candidate().name());
        g.writeStringField("options", r.candidate().options());
        g.writeStringField("settings", r.candidate().mines() ? r.candidate().config().describe() : "in-batch only");
        g.writeBooleanField("best", isBest);
        g.writeBooleanField("baseline", isBaseline);
        writeMetric(g, "recall_at_10", r.recall10());
        writeMetric(g, "ndcg_at_10", r.ndcg10());
        writeMetric(g, "recall_at_100", r.recall100());
        writeMetric(g, "training_loss", r.loss());
        g.writeArrayFieldStart("mined");
        for (MinedSetSummary m : r.mined()) {
            g.writeStartObject();
            g.writeNumberField("anchors", m.anchors());
            g.writeNumberField("negatives", m.negatives());
            g.writeNumberField("without_negative", m.withoutNegative());
            g.writeNumberField("left_out", m.leftOut());
            g.writeNumberField("widened", m.stats().widened());
            if (m.negatives() > 0) {
                g.writeNumberField("mean_negative_score", m.meanNegativeScore());
            }
            g.writeNumberField("known_false_negatives", m.falseNegatives());
            g.writeObjectFieldStart("fewer_than_asked");
            for (Shortfall reason : Shortfall.values()) {
                if (reason != Shortfall.NONE) {
                    g.writeNumberField(reason.name().toLowerCase(Locale.ROOT), m.stats().shortfall(reason));
                }
            }
            g.writeEndObject();
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void writeFinite(JsonGenerator g, String name, double value) throws IOException {
        if (Double.isFinite(value)) {
            g.writeNumberField(name, value);
        } else {
            g.writeNullField(name);
        }
    }

    private static void writeMetric(JsonGenerator g, String name, double[] perSeed) throws IOException {
        g.writeObjectFieldStart(name);
        writeFinite(g, "mean", mean(perSeed));
        writeFinite(g, "spread", spread(perSeed));
        g.writeArrayFieldStart("per_seed");
        for (double v : perSeed) {
            if (Double.isFinite(v)) {
                g.writeNumber(v);
            } else {
                g.writeNull();
            }
        }
        g.writeEndArray();
        g.writeEndObject();
    }
}
