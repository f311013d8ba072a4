package dev.quarry.spark;

import dev.quarry.io.MinedLineSink;
import dev.quarry.io.MinedLines;
import dev.quarry.io.OutputOptions;
import dev.quarry.io.TextLookup;
import dev.quarry.mining.MinedAnchor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Mined anchors as typed table rows in the output format's columns ({@link ParquetShape}): the lines the
 * engine's JSONL encoder writes ({@link MinedLines} walks both), one row per line, a column the line lacks
 * null. What Spark's Parquet writer and {@link SparkMiner#mine}'s Dataset get. Not thread-safe: one per task.
 */
final class MinedRows implements MinedLineSink {
    private final MinedLines lines;
    private final Map<String, Integer> columns = new HashMap<>();
    private final int width;
    private final List<Row> out = new ArrayList<>();
    private Object[] row;

    MinedRows(OutputOptions options, TextLookup texts) {
        StructType schema = ParquetShape.schema(options);
        this.lines = new MinedLines(options, texts);
        this.width = schema.fields().length;
        for (int i = 0; i < width; i++) {
            columns.put(schema.fields()[i].name(), i);
        }
    }

    /** The rows of {@code mined}, anchor {@code i} named {@code names[i]}, in order. */
    Row[] rows(MinedAnchor[] mined, String[] names) {
        out.clear();
        for (int i = 0; i < mined.length; i++) {
            lines.write(mined[i], names[i], this);
        }
        return out.toArray(new Row[0]);
    }

    @Override
    public void begin() {
        row = new Object[width];
    }

    @Override
    public void text(String field, String value) {
        put(field, value);
    }

    @Override
    public void integer(String field, int value) {
        put(field, value);
    }

    @Override
    public void real(String field, double value) {
        put(field, value);
    }

    @Override
    public void score(String field, float value) {
        put(field, Float.isFinite(value) ? value : null);
    }

    @Override
    public void texts(String field, String[] values) {
        put(field, seq(Arrays.asList(values.clone())));
    }

    @Override
    public void integers(String field, int[] values) {
        List<Integer> list = new ArrayList<>(values.length);
        for (int v : values) {
            list.add(v);
        }
        put(field, seq(list));
    }

    @Override
    public void scores(String field, float[] values) {
        List<Float> list = new ArrayList<>(values.length);
        for (float v : values) {
            list.add(Float.isFinite(v) ? v : null); // as the JSONL line: a broken score is unknown
        }
        put(field, seq(list));
    }

    @Override
    public void reals(String field, double[] values) {
        List<Double> list = new ArrayList<>(values.length);
        for (double v : values) {
            list.add(v);
        }
        put(field, seq(list));
    }

    @Override
    public void end() {
        out.add(RowFactory.create(row));
        row = null;
    }

    /** {@code list} as the Scala sequence Spark's encoder takes for an array column of an external row. */
    static Seq<?> seq(List<?> list) {
        return CollectionConverters.asScala(list).toSeq();
    }

    private void put(String field, Object value) {
        Integer at = columns.get(field);
        if (at == null) { // ParquetShape and MinedLines disagree: a defect, not the user's input
            throw new IllegalStateException("column " + field + " is not in the output's schema " + columns.keySet());
        }
        row[at] = value;
    }
}
