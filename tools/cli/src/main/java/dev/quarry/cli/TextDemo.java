package dev.quarry.cli;

import dev.quarry.Progress;
import dev.quarry.io.OutputFormat;
import dev.quarry.io.OutputOptions;
import dev.quarry.mining.MiningConfig;
import dev.quarry.mining.strategy.Fusion;
import dev.quarry.pipeline.CrossModelStrategySpec;
import dev.quarry.pipeline.MiningReport;
import dev.quarry.pipeline.MiningRequest;
import dev.quarry.pipeline.MiningRunner;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code quarry demo --texts}: the whole job on real texts. Python's standard-library docstrings become a
 * catalog with known duplicates ({@link TextCatalog}), a real model embeds it (through the embed module),
 * and it is mined with no defence, with the defaults, and with cross-model agreement when more models
 * are given; the table shows what each removes (known false negatives) and what it costs (hardness: the
 * mean score of the negatives under the primary model).
 */
final class TextDemo {
    private final TextEmbeddings embeddings;
    private final String model;
    private final List<String> crossModels;
    private final int threads;
    private final PrintWriter out;
    private final PrintWriter err;

    TextDemo(TextEmbeddings embeddings, String model, List<String> crossModels, int threads, PrintWriter out,
             PrintWriter err) {
        this.embeddings = embeddings;
        this.model = model;
        this.crossModels = crossModels;
        this.threads = threads;
        this.out = out;
        this.err = err;
    }

    /** One mined set: its name, what was counted and the run's report. */
    record Row(String name, TextCatalog.Counter counter, MiningReport report) {
    }

    /** Builds the catalog in {@code dir}, embeds, mines and prints the table; returns the rows. */
    List<Row> run(Path dir, String python, int maxDocs) {
        long t0 = System.nanoTime();
        List<PythonDocstrings.Entry> entries = PythonDocstrings.extract(python, dir);
        TextCatalog catalog = new TextCatalog(entries, maxDocs, 42);
        catalog.write(dir);
        out.printf(Locale.ROOT, "Quarry text demo: %,d documents (docstrings of Python's standard library, %,d listed by"
                        + " %s), %,d anchors (a docstring's summary line; its positive: the whole docstring)%n",
                catalog.docs(), entries.size(), python, catalog.anchors());
        out.printf(Locale.ROOT, "known unlabelled positives: %,d, for %,d anchors (the same docstring under another"
                        + " name, or a document whose own summary is the anchor's text); catalog built in %s%n%n",
                catalog.knownDuplicates(), catalog.anchorsWithDuplicates(),
                Progress.duration((System.nanoTime() - t0) / 1e9));

        Path corpus = embeddings.embed(dir.resolve("corpus.jsonl"), model, TextEmbeddings.Role.PASSAGE, err);
        Path queries = embeddings.embed(dir.resolve("queries.jsonl"), model, TextEmbeddings.Role.QUERY, err);
        List<CrossModelStrategySpec.ModelFiles> more = new ArrayList<>();
        for (String m : crossModels) {
            more.add(new CrossModelStrategySpec.ModelFiles(
                    embeddings.embed(dir.resolve("corpus.jsonl"), m, TextEmbeddings.Role.PASSAGE, err),
                    embeddings.embed(dir.resolve("queries.jsonl"), m, TextEmbeddings.Role.QUERY, err)));
        }

        MiningConfig defaults = MiningConfig.defaults();
        List<Row> rows = new ArrayList<>();
        rows.add(mine(catalog, dir, corpus, queries, "no defence (plain top-k)", defaults.withoutFilters(), List.of()));
        rows.add(mine(catalog, dir, corpus, queries, "defaults (skip 10, margin, near-dup)", defaults, List.of()));
        for (int n = 1; n <= more.size(); n++) {
            List<CrossModelStrategySpec.ModelFiles> agreeing = more.subList(0, n);
            String models = (n + 1) + " models";
            rows.add(mine(catalog, dir, corpus, queries, "cross-model agreement, " + models, defaults.withoutFilters(),
                    agreeing));
            rows.add(mine(catalog, dir, corpus, queries, "defaults + cross-model, " + models, defaults, agreeing));
        }

        List<String> names = new ArrayList<>(List.of(model));
        names.addAll(crossModels);
        out.printf(Locale.ROOT, "mined %,d anchors against %,d documents, %s (cross-model: %s), %d threads%n",
                catalog.anchors(), catalog.docs(), model, more.isEmpty() ? "add --cross-model bge-small,e5-small"
                        : String.join(" + ", names), threads);
        out.println("known false negatives = mined negatives that are known positives of their anchor");
        out.printf(Locale.ROOT, "%-40s %10s %10s %8s %10s %10s%n", "", "negatives", "known FN", "FN rate",
                "mean score", "anchors <3");
        for (Row r : rows) {
            out.printf(Locale.ROOT, "%-40s %,10d %,10d %7.2f%% %10.3f %,10d%n", r.name, r.counter.negatives,
                    r.counter.falseNegatives, 100 * r.counter.falseNegativeRate(), r.counter.meanNegativeScore(),
                    r.report.stats().shortAnchors());
        }
        out.println("(mean score: the negatives' cosine to their anchor under " + model + ", their hardness)");
        return rows;
    }

    private Row mine(TextCatalog catalog, Path dir, Path corpus, Path queries, String name, MiningConfig asked,
                     List<CrossModelStrategySpec.ModelFiles> more) {
        // A small catalog (--docs under 100) has fewer ranks than the default window.
        MiningConfig config = asked.rangeMax() <= catalog.docs() ? asked
                : asked.withRange(Math.min(asked.rangeMin(), catalog.docs() / 2), catalog.docs());
        TextCatalog.Counter counter = catalog.new Counter();
        String file = "mined-" + name.replaceAll("[^a-z0-9]+", "-").replaceAll("-+$", "") + ".jsonl";
        MiningRequest.Builder builder = MiningRequest.builder(corpus, dir.resolve("qrels.tsv"), dir.resolve(file))
                .queries(queries).config(config).texts(dir.resolve("corpus.jsonl"), dir.resolve("queries.jsonl"))
                .outputOptions(new OutputOptions(OutputFormat.TRIPLET, config.numNegatives(), true, false, false))
                .threads(threads).listener(counter::add);
        if (!more.isEmpty()) {
            builder.crossModel(more, 0, Fusion.PRIMARY);
        }
        MiningReport report = new MiningRunner(VectorKernelsProvider.get()).run(builder.build(), err);
        return new Row(name, counter, report);
    }
}
