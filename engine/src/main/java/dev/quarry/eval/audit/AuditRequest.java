package dev.quarry.eval.audit;

import java.nio.file.Path;

/**
 * An audit of a mined set, as {@code quarry audit} takes it.
 *
 * @param mined the mined set (JSONL in any format of {@code quarry mine}, or {@code NAME.ids.npy})
 * @param corpus corpus embeddings to fill in scores and ranks, or null
 * @param queries query embeddings, or null when anchors are corpus rows
 * @param rankDepth how deep ranks are searched when computed from embeddings
 * @param threads threads of that search
 * @param corpusText corpus texts for the review sheet, or null
 * @param queriesText query texts for the review sheet, or null
 * @param qrels the positives the set was mined with (for npy sets), or null
 * @param knownPositives pairs that must never be negatives, or null
 * @param truth planted truth (anchor, doc, kind) to check the wrong-label flag, or null
 * @param noiseMargin the wrong-label flag's margin below the median negative score
 * @param sample negatives in the review sheet (0: no sheet)
 * @param seed seed of the sample
 * @param sheet the review sheet's prefix, or null for {@code MINED.review}
 * @param reviewed a filled review sheet to read back, or null
 * @param eval an evaluation JSON to chart, or null
 * @param html the HTML report to write, or null
 */
public record AuditRequest(Path mined, Path corpus, Path queries, int rankDepth, int threads, Path corpusText,
                           Path queriesText, Path qrels, Path knownPositives, Path truth, double noiseMargin,
                           int sample, long seed, Path sheet, Path reviewed, Path eval, Path html) {

    /** The review sheet's CSV. */
    public Path sheetCsv() {
        return sheetPrefix().resolveSibling(sheetPrefix().getFileName() + ".csv");
    }

    /** The review sheet's JSONL. */
    public Path sheetJsonl() {
        return sheetPrefix().resolveSibling(sheetPrefix().getFileName() + ".jsonl");
    }

    /** Where the pairs marked relevant in {@link #reviewed} go. */
    public Path relevantPairs() {
        return reviewed == null ? null : reviewed.resolveSibling(reviewed.getFileName() + ".relevant.tsv");
    }

    private Path sheetPrefix() {
        return sheet != null ? sheet : mined.resolveSibling(mined.getFileName() + ".review");
    }
}
