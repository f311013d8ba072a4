package dev.quarry.io;

/**
 * Where {@link MinedLines} puts the lines of a JSONL output format, field by field: a JSON generator for
 * the JSONL files, a table row for Spark's Parquet writer. The fields of a line arrive in the format's
 * order; a field that a line does not have (a positive's {@code rank} in {@code labeled-pair}) does not
 * arrive. Not thread-safe: one per worker.
 */
public interface MinedLineSink {
    /** A line starts. */
    void begin();

    /** A string field. */
    void text(String field, String value);

    /** An integer field (a label, a rank). */
    void integer(String field, int value);

    /** A floating-point field that is not a score (a soft-label weight). */
    void real(String field, double value);

    /** A score: a float, unknown (null) when it is not finite. */
    void score(String field, float value);

    /** An array of strings. */
    void texts(String field, String[] values);

    /** An array of integers. */
    void integers(String field, int[] values);

    /** An array of scores (an element that is not finite is null). */
    void scores(String field, float[] values);

    /** An array of floating-point values that are not scores (weights). */
    void reals(String field, double[] values);

    /** The line is complete. */
    void end();
}
