package dev.quarry.eval;

import dev.quarry.io.OutputFormat;
import dev.quarry.io.OutputOptions;
import dev.quarry.mining.MiningConfig;
import dev.quarry.mining.Sampling;
import dev.quarry.mining.SamplingStrategy;
import dev.quarry.pipeline.CrossModelStrategySpec;
import dev.quarry.pipeline.MiningReport;
import dev.quarry.pipeline.MiningRequest;
import dev.quarry.pipeline.MiningRunner;
import dev.quarry.mining.strategy.Fusion;
import dev.quarry.synth.CatalogSpec;
import dev.quarry.synth.CatalogTruth;
import dev.quarry.synth.SyntheticCatalog;
import dev.quarry.vector.VectorKernels;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * The evidence for the false-negative defences: on a synthetic catalog with planted unlabelled
 * positives (near-duplicates to paraphrases) and label noise, mines the same anchors with no defence,
 * each defence alone, and combinations, and measures against the planted truth the false-negative
 * rate of each mined set, how hard its negatives are (mean score), and how many anchors got fewer
 * negatives than asked.
 */
public final class DefenceEvaluation {
    /** Negatives asked per anchor in every row of the table. */
    public static final int NEGATIVES = 5;

    private final VectorKernels kernels;

    public DefenceEvaluation(VectorKernels kernels) {
        this.kernels = kernels;
    }

    /**
     * One row of the table.
     *
     * @param name the defence(s)
     * @param settings the settings in force
     * @param negatives negatives mined
     * @param falseNegatives of which are in truth positives
     * @param meanNegativeScore mean score of the negatives (hardness)
     * @param shortAnchors anchors with fewer than {@link #NEGATIVES} negatives
     * @param anchors anchors mined
     */
    public record Row(String name, String settings, long negatives, long falseNegatives, double meanNegativeScore,
                      long shortAnchors, long anchors) {
        /** False negatives over negatives. */
        public double falseNegativeRate() {
            return negatives == 0 ? Double.NaN : (double) falseNegatives / negatives;
        }
    }

    /** Generates the catalog in {@code dir} and mines it under every defence. */
    public List<Row> run(CatalogSpec spec, Path dir, int threads, PrintWriter progress) {
        SyntheticCatalog catalog = new SyntheticCatalog(spec);
        catalog.write(dir);
        catalog.writeSecondModel(dir, 0.5);
        CatalogTruth truth = catalog.truth();
        MiningConfig none = MiningConfig.defaults().withoutFilters().withNumNegatives(NEGATIVES);
        List<Row> rows = new ArrayList<>();
        rows.add(mine(dir, truth, threads, "no defence (plain top-k)", none, b -> b, progress));
        rows.add(mine(dir, truth, threads, "percent of positive 95% (relative margin 0.05)",
                none.withRelativeMargin(0.05), b -> b, progress));
        rows.add(mine(dir, truth, threads, "absolute margin 0.1", none.withAbsoluteMargin(0.1), b -> b, progress));
        rows.add(mine(dir, truth, threads, "skip the 10 hardest ranks", none.withRange(10, 100), b -> b, progress));
        rows.add(mine(dir, truth, threads, "near-duplicates of the positive (cosine >= 0.9)",
                none.withNearDuplicate(0.9), b -> b, progress));
        rows.add(mine(dir, truth, threads, "near-duplicates of the positive (cosine >= 0.8)",
                none.withNearDuplicate(0.8), b -> b, progress));
        rows.add(mine(dir, truth, threads, "cross-model agreement (2 models)", none, b -> b.crossModel(
                List.of(new CrossModelStrategySpec.ModelFiles(dir.resolve("corpus-b.qvec"), dir.resolve("queries-b.qvec"))),
                0, Fusion.PRIMARY), progress));
        rows.add(mine(dir, truth, threads, "semi-hard sampling (margin 0.2)", none.withSampling(
                Sampling.of(SamplingStrategy.SEMI_HARD)), b -> b, progress));
        rows.add(mine(dir, truth, threads, "SimANS sampling (a=20, b=-0.1)", none.withSampling(
                Sampling.of(SamplingStrategy.SIMANS)), b -> b, progress));
        MiningConfig defaults = MiningConfig.defaults().withNumNegatives(NEGATIVES);
        rows.add(mine(dir, truth, threads, "relative margin 0.05 + near-duplicates 0.9", defaults.withRange(0, 100),
                b -> b, progress));
        rows.add(mine(dir, truth, threads, "Quarry defaults: skip 10 + relative margin 0.05 + near-duplicates 0.9",
                defaults, b -> b, progress));
        rows.add(mine(dir, truth, threads, "defaults + cross-model agreement", defaults, b -> b.crossModel(
                List.of(new CrossModelStrategySpec.ModelFiles(dir.resolve("corpus-b.qvec"), dir.resolve("queries-b.qvec"))),
                0, Fusion.PRIMARY), progress));
        rows.add(mine(dir, truth, threads, "defaults + near-duplicates 0.8 + cross-model",
                defaults.withNearDuplicate(0.8), b -> b.crossModel(
                        List.of(new CrossModelStrategySpec.ModelFiles(dir.resolve("corpus-b.qvec"),
                                dir.resolve("queries-b.qvec"))), 0, Fusion.PRIMARY), progress));
        return rows;
    }

    private Row mine(Path dir, CatalogTruth truth, int threads, String name, MiningConfig config,
                     UnaryOperator<MiningRequest.Builder> strategy, PrintWriter progress) {
        CatalogTruth.Counter counter = truth.counter();
        MiningRequest.Builder builder = MiningRequest.builder(dir.resolve("corpus.qvec"), dir.resolve("qrels.tsv"),
                        dir.resolve("mined.jsonl")).queries(dir.resolve("queries.qvec")).config(config)
                .outputOptions(new OutputOptions(OutputFormat.N_TUPLE, NEGATIVES, false, false, false))
                .threads(threads).listener(counter::add);
        MiningReport report = new MiningRunner(kernels).run(strategy.apply(builder).build(), null);
        if (progress != null) {
            progress.printf(Locale.ROOT, "%-60s FN %.1f%%%n", name, 100 * counter.falseNegativeRate());
        }
        return new Row(name, config.describe(), counter.negatives(), counter.falseNegatives(),
                counter.meanNegativeScore(), report.stats().shortAnchors(), report.stats().anchors());
    }

    /** The table in markdown. */
    public static String markdown(CatalogSpec spec, long plantedDocs, List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Catalog: %,d documents + %,d planted unlabelled copies of positives "
                        + "(cosine 0.64 to 0.98 to the positive, 1 to %d for half the anchors), %,d anchors, d=%d, %,d topics, %.0f%% wrong labels; "
                        + "%d negatives asked per anchor from ranks [0, 100) unless stated (exact search), top sampling"
                        + " unless stated.%n%n", spec.docs(), plantedDocs, spec.maxPlanted(), spec.anchors(), spec.dim(), spec.topics(),
                100 * spec.labelNoise(), NEGATIVES));
        sb.append("| defence | negatives | false negatives | FN rate | mean negative score | anchors with < ")
                .append(NEGATIVES).append(" |\n|---|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %,d | %,d | %.2f%% | %.3f | %,d |%n", r.name(), r.negatives(),
                    r.falseNegatives(), 100 * r.falseNegativeRate(), r.meanNegativeScore(), r.shortAnchors()));
        }
        return sb.toString();
    }
}
