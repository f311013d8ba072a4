package dev.quarry.spark;

import dev.quarry.io.MinedEncoder;
import dev.quarry.mining.MinedAnchor;
import org.apache.spark.sql.Row;

/**
 * How a task encodes the blocks it mined: the engine's encoder, for the files {@code quarry mine} writes
 * (JSONL, npy), or typed rows in the output format's columns, for a table (Parquet, {@link SparkMiner#mine}).
 * One per task (encoders reuse buffers).
 */
final class BlockOutput {
    /** A block's output: the files' bytes or the table's rows (the other one null). */
    record Encoded(byte[][] bytes, Row[] rows) {
    }

    private final WorkerInputs in;
    private final MinedEncoder encoder;
    private final MinedRows rows;

    BlockOutput(WorkerInputs in, boolean tableRows) {
        this.in = in;
        this.encoder = tableRows ? null : in.encoder();
        this.rows = tableRows ? new MinedRows(in.outputOptions(), in.texts()) : null;
    }

    /** {@code b}'s mined anchors, encoded. */
    MinedBlock encode(BlockInput b, MinedAnchor[] mined) {
        return MinedBlock.of(b.block(), mined, rows == null ? new Encoded(encoder.encode(mined), null)
                : new Encoded(null, rows.rows(mined, names(b))));
    }

    /**
     * The anchors' names in the output: the texts of the anchors' store when it has texts and the anchors are
     * its rows (as {@code quarry mine} writes texts), else the table's ids, else (rows without one) the store's.
     */
    private String[] names(BlockInput b) {
        if (b.vectors() != null) {
            return b.names();
        }
        String[] names = new String[b.size()];
        for (int i = 0; i < names.length; i++) {
            String id = b.names()[i];
            names[i] = id != null && !in.anchorsHaveTexts() ? id : in.texts().anchor(b.anchors()[i]);
        }
        return names;
    }
}
