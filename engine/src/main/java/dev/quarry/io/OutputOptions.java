package dev.quarry.io;

/**
 * How mined anchors are written.
 *
 * @param format the shape
 * @param numNegatives negatives asked per anchor (n-tuple width, npy columns)
 * @param outputScores add scores (JSONL) to every line
 * @param outputRanks add the negatives' ranks (JSONL)
 * @param includePositives labeled-list only: order positives among the negatives by score, for
 *                         reranking evaluation (a positive keeps label 1: it never becomes a negative)
 */
public record OutputOptions(OutputFormat format, int numNegatives, boolean outputScores, boolean outputRanks,
                            boolean includePositives) {
    public OutputOptions {
        if (includePositives && format != OutputFormat.LABELED_LIST) {
            throw new IllegalArgumentException("--include-positives works with --output-format labeled-list"
                    + " (where positives are ranked among the negatives), got " + format.cliName());
        }
        if (format == OutputFormat.NPY && outputRanks) {
            throw new IllegalArgumentException("--output-ranks is for JSONL formats; npy writes ids and scores");
        }
    }
}
