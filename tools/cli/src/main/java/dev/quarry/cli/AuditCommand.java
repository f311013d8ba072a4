package dev.quarry.cli;

import dev.quarry.eval.audit.AuditReport;
import dev.quarry.eval.audit.AuditRequest;
import dev.quarry.eval.audit.AuditRun;
import dev.quarry.eval.audit.ReviewSheet;
import dev.quarry.mining.ScoreStats;
import dev.quarry.options.CommandFlags;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quarry audit}: check a mined set before training on it. */
@Command(name = "audit", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Audit a mined set (any output format of quarry mine): negatives per anchor, repeats, negatives"
                + " at or above their positive, known-positive overlap, score and rank distributions, likely wrong"
                + " labels; write a review sheet, read the marks back with a false-negative estimate, write an HTML"
                + " report.",
        footer = {"", "Examples:",
                "  quarry audit mined.jsonl --corpus corpus.qvec --queries queries.qvec --sample 200 --html report.html",
                "  quarry audit mined.jsonl --reviewed mined.jsonl.review.csv"})
final class AuditCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MINED", description = "The mined set (JSONL, or NAME.ids.npy).")
    Path mined;

    @Option(names = CommandFlags.CORPUS, description = "Corpus embeddings: fill in scores and ranks the file lacks (a set of"
            + " texts, as mine writes with --corpus-text, is named by ids through --corpus-text and --queries-text).")
    Path corpus;

    @Option(names = "--queries", description = "Query embeddings (default: rows of the corpus).")
    Path queries;

    @Option(names = "--rank-depth", defaultValue = "200",
            description = "With --corpus: ranks are searched this deep, deeper ones count as this depth (default: "
                    + "${DEFAULT-VALUE}; the search costs about as much as mining with an exact index).")
    int rankDepth;

    @Option(names = CommandFlags.THREADS, description = "With --corpus: threads (default: all cores).")
    Integer threads;

    @Option(names = "--corpus-text", description = "Texts of the corpus (JSONL): for the review sheet, and to name"
            + " the documents of a set mined with texts by their ids.")
    Path corpusText;

    @Option(names = "--queries-text", description = "Texts of the queries (JSONL): for the review sheet, and to name"
            + " the anchors of a set mined with texts by their ids.")
    Path queriesText;

    @Option(names = "--qrels", description = "The positives the set was mined with, for files that do not list them "
            + "(npy): with --corpus, their scores and ranks are charted and the noise check runs.")
    Path qrels;

    @Option(names = "--known-positives", description = "Pairs that must never be negatives (qrels formats).")
    Path knownPositives;

    @Option(names = "--truth", description = "Truth TSV (anchor, doc, kind; kind 'mislabelled' marks a wrong label):"
            + " precision and recall of the wrong-label flag.")
    Path truth;

    @Option(names = "--noise-margin", defaultValue = "0.1", description = "Flag an anchor when its positive scores "
            + "more than this below the median of its negatives (default: ${DEFAULT-VALUE}).")
    double noiseMargin;

    @Option(names = "--sample", description = "Write a review sheet of this many negatives, stratified by rank.")
    Integer sample;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the sample (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--sheet", description = "Review sheet prefix: PREFIX.csv and PREFIX.jsonl (default: MINED.review).")
    Path sheet;

    @Option(names = "--reviewed", description = "A review sheet (CSV) with the relevant column filled in.")
    Path reviewed;

    @Option(names = "--eval", description = "An evaluation (quarry eval --json) to chart recall against nprobe.")
    Path eval;

    @Option(names = "--html", description = "Write the report as one self-contained HTML file.")
    Path html;

    @Override
    public Integer call() {
        if (sample != null && sample < 1 || rankDepth < 1 || !(noiseMargin >= 0)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--sample and --rank-depth >= 1 and "
                    + "--noise-margin >= 0 expected");
        }
        if (eval != null && html == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--eval is charted in the HTML report: add "
                    + "--html FILE");
        }
        AuditRequest request = new AuditRequest(mined, corpus, queries, rankDepth,
                ThreadCount.resolve(threads, spec.commandLine()), corpusText, queriesText, qrels, knownPositives, truth,
                noiseMargin, sample == null ? 0 : sample, seed, sheet, reviewed, eval, html);
        AuditRun.Result result = new AuditRun(VectorKernelsProvider.get()).run(request);
        for (String warning : result.warnings()) {
            spec.commandLine().getErr().println("quarry audit: " + warning);
        }
        PrintWriter out = spec.commandLine().getOut();
        print(out, result.report());
        if (result.sheetRows() > 0) {
            out.printf(Locale.ROOT, "review sheet: %,d negatives, stratified by rank, in %s and %s; fill the "
                    + "'relevant' column (1/0) and run quarry audit %s --reviewed %s%n", result.sheetRows(),
                    request.sheetCsv(), request.sheetJsonl(), mined, request.sheetCsv());
        }
        ReviewSheet.Estimate estimate = result.estimate();
        if (estimate != null) {
            out.println("review                 " + estimate.describe());
            long withoutIds = estimate.relevant() - estimate.relevantPairs().size();
            if (withoutIds > 0) {
                out.printf(Locale.ROOT, "relevant without ids   %,d rows marked relevant have no anchor_id or "
                        + "negative_id (texts found in no --corpus-text/--queries-text file)%n", withoutIds);
            }
            if (result.relevantPairsFile() != null) {
                out.printf(Locale.ROOT, "relevant pairs         %,d in %s: pass it to quarry mine "
                        + "--known-positives so they are never mined again%n", estimate.relevantPairs().size(),
                        result.relevantPairsFile());
            }
        }
        if (html != null) {
            out.println("wrote                  " + html);
        }
        return ExitCodes.OK;
    }

    private static void print(PrintWriter out, AuditReport r) {
        out.printf(Locale.ROOT, "audit of %s (%s)%n", r.file(), r.format().cliName());
        out.printf(Locale.ROOT, "anchors                %,d%n", r.anchors());
        out.printf(Locale.ROOT, "negatives              %,d (%.2f per anchor)%n", r.negatives(),
                r.anchors() == 0 ? 0 : (double) r.negatives() / r.anchors());
        long[] per = r.perAnchor().counts();
        StringBuilder dist = new StringBuilder();
        for (int i = 0; i < per.length; i++) {
            if (per[i] > 0) {
                dist.append(dist.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%,d with %s", per[i],
                        r.perAnchor().range(i)));
            }
        }
        out.println("per anchor             " + dist);
        out.printf(Locale.ROOT, "repeated negatives     %,d%n", r.repeatedNegatives());
        out.printf(Locale.ROOT, "negative = positive    %,d%n", r.negativesEqualToPositive());
        out.println("at/above positive      " + (r.scoresKnown() ? String.format(Locale.ROOT, "%,d negatives in %,d "
                + "anchors", r.atOrAbovePositive(), r.anchorsAtOrAbovePositive()) : "no scores in the file"));
        out.println("known positives        " + (r.knownPositiveOverlap() < 0 ? "not checked (--known-positives)"
                : String.format(Locale.ROOT, "%,d negatives are known positives", r.knownPositiveOverlap())));
        scores(out, "positive scores", r.positiveScores());
        scores(out, "negative scores", r.negativeScores());
        ranks(out, "negative ranks", r.negativeRanks());
        ranks(out, "positive ranks", r.positiveRanks());
        out.printf(Locale.ROOT, "likely wrong labels    %,d anchors (positive more than %.2f below the median negative)"
                + "%s%n", r.flagged().size(), r.noiseMargin(), r.flagged().isEmpty() ? ""
                : ", e.g. " + String.join(", ", r.flagged().subList(0, Math.min(5, r.flagged().size()))));
        if (r.noiseCheck() != null) {
            out.println("flag vs planted noise  " + r.noiseCheck().describe());
        }
    }

    private static void ranks(PrintWriter out, String name, ScoreStats s) {
        if (s.count() > 0) {
            out.printf(Locale.ROOT, "%-22s min %.0f  mean %.1f  median %.0f  max %.0f (%,d)%n", name, s.min(), s.mean(),
                    s.median(), s.max(), s.count());
        }
    }

    private static void scores(PrintWriter out, String name, ScoreStats s) {
        if (s.count() == 0) {
            out.printf(Locale.ROOT, "%-22s none in the file (--corpus fills them in; a set of texts needs"
                    + " --corpus-text and --queries-text too)%n", name);
            return;
        }
        out.printf(Locale.ROOT, "%-22s min %.4f  mean %.4f  median %.4f  max %.4f (%,d)%n", name, s.min(), s.mean(),
                s.median(), s.max(), s.count());
    }
}
