package dev.quarry.labels;

/**
 * What reading a label file found, for the mining summary.
 *
 * @param file the file read
 * @param pairsRead pairs read (one per TSV or TREC line; one per positive of a JSONL line)
 * @param positives distinct positive pairs kept
 * @param nonPositive pairs with label 0 (judged not relevant: never positives, never excluded)
 * @param duplicates repeated positive pairs dropped
 * @param unknownAnchors pairs whose anchor id names no anchor row
 * @param firstUnknownAnchor the first such id (null when none)
 * @param unknownDocs pairs whose doc id names no corpus row
 * @param firstUnknownDoc the first such id (null when none)
 */
public record QrelsReport(String file, long pairsRead, long positives, long nonPositive, long duplicates,
                          long unknownAnchors, String firstUnknownAnchor, long unknownDocs, String firstUnknownDoc) {
}
