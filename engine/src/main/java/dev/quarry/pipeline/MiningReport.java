package dev.quarry.pipeline;

import dev.quarry.Progress;
import dev.quarry.labels.QrelsReport;
import dev.quarry.mining.MiningStats;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What a mining run did, for the summary.
 *
 * @param stats statistics of the mined set
 * @param qrels what reading the labels found
 * @param knownPositives what reading the known positives found, or null
 * @param anchorsListed anchors listed in the anchors file (or labelled anchors when none was given)
 * @param anchorsUnknown listed anchor ids that name no row
 * @param anchorsWithoutPositive listed anchors that have no labelled positive (skipped)
 * @param files the files written
 * @param summary the summary JSON written beside them
 * @param corpusRows rows of the corpus
 * @param dim dimension
 * @param index the index used
 * @param threads mining workers
 * @param seconds wall time of the mining (this run's part, when resumed)
 * @param anchorsThisRun anchors mined by this run (a resumed run skips those already written)
 * @param resumedFromBlock the block a resumed run started at (0 when not resumed)
 * @param notes what the run wants the user to know (defences switched off, batch hardness, run file counts)
 */
public record MiningReport(MiningStats stats, QrelsReport qrels, QrelsReport knownPositives, long anchorsListed,
                           long anchorsUnknown, long anchorsWithoutPositive, List<Path> files, Path summary,
                           long corpusRows, int dim, String index, int threads, double seconds, long anchorsThisRun,
                           int resumedFromBlock, List<String> notes) {

    /** Anchors per second in this run. */
    public double anchorsPerSecond() {
        return seconds > 0 ? anchorsThisRun / seconds : 0;
    }

    /** GFLOP/s of exact scoring: 2 x dim flops per anchor and corpus row (meaningful for the flat index only). */
    public double exactGflops() {
        return seconds > 0 ? 2.0 * dim * corpusRows * anchorsThisRun / seconds / 1e9 : 0;
    }

    /** Prints the summary: throughput, settings, the mined set's statistics, what the labels held. */
    public void print(PrintWriter out, String settings) {
        boolean exact = index.equals("flat");
        out.printf(Locale.ROOT, "mined %,d anchors in %s: %s anchors/s%s (%s, %d thread%s)%s%n",
                anchorsThisRun, Progress.duration(seconds), Progress.human(anchorsPerSecond()),
                exact ? String.format(Locale.ROOT, ", %.1f GFLOP/s", exactGflops()) : "", index,
                threads, threads == 1 ? "" : "s",
                resumedFromBlock > 0 ? " [resumed at block " + resumedFromBlock + "]" : "");
        out.println("settings               " + settings);
        stats.print(out);
        printQrels(out, "qrels", qrels);
        if (knownPositives != null) {
            printQrels(out, "known positives", knownPositives);
        }
        for (String note : notes) {
            out.println("note                   " + note);
        }
        if (anchorsUnknown > 0 || anchorsWithoutPositive > 0) {
            out.printf(Locale.ROOT, "anchors file           %,d listed, %,d unknown ids, %,d without a positive "
                    + "(skipped)%n", anchorsListed, anchorsUnknown, anchorsWithoutPositive);
        }
        out.println("wrote                  " + String.join(", ", files.stream().map(Path::toString).toList())
                + " and " + summary);
    }

    private static void printQrels(PrintWriter out, String name, QrelsReport r) {
        out.printf(Locale.ROOT, "%-22s %,d pairs read, %,d positives, %,d label-0, %,d duplicates, "
                        + "%,d unknown anchor ids%s, %,d unknown doc ids%s%n", name, r.pairsRead(), r.positives(),
                r.nonPositive(), r.duplicates(), r.unknownAnchors(),
                r.firstUnknownAnchor() == null ? "" : " (first: " + r.firstUnknownAnchor() + ")", r.unknownDocs(),
                r.firstUnknownDoc() == null ? "" : " (first: " + r.firstUnknownDoc() + ")");
    }
}
