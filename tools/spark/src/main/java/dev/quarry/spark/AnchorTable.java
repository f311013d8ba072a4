package dev.quarry.spark;

import dev.quarry.QuarryDataException;
import dev.quarry.QuarryUsageException;
import dev.quarry.labels.IdMap;
import dev.quarry.mining.BlockMiner;
import dev.quarry.store.VectorStore;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The anchors table {@link SparkMiner#mine} takes: one row per anchor, with
 * <ul>
 *   <li>{@value #ID} (string): the anchor's name in the output; required for an anchor given by its vector; for
 *       one given by its row, null or absent names it by its store's ids (and its store's texts, when the
 *       corpus names some, name it in any case, as {@code quarry mine} writes texts);</li>
 *   <li>either {@value #VECTOR} (array of float or double, the corpus's dimension) or {@value #ROW} (int or
 *       long: a row of the anchors' store, {@link SparkCorpus#anchors}, or of the corpus when none is named;
 *       an anchor that is a corpus row is never its own negative);</li>
 *   <li>{@value #POSITIVES} (array of string: corpus ids; or of int or long: corpus rows), at least one;</li>
 *   <li>optionally {@value #KNOWN_POSITIVES} (the same types): rows that are never mined as negatives.</li>
 * </ul>
 * Other columns are ignored. The schema is checked on the driver; values are checked on the executors as the
 * rows are cut into blocks, an error naming the anchor, the column and the value.
 */
public final class AnchorTable {
    /** The anchor's name in the output (string). */
    public static final String ID = "id";
    /** The anchor's vector (array of float or double). */
    public static final String VECTOR = "vector";
    /** The anchor's row of the anchors' store (int or long). */
    public static final String ROW = "row";
    /** The anchor's positives (array of corpus ids or corpus rows). */
    public static final String POSITIVES = "positives";
    /** Corpus rows never mined as the anchor's negatives (array of corpus ids or rows). */
    public static final String KNOWN_POSITIVES = "known_positives";
    private static final String SOURCE = "anchors table";

    private AnchorTable() {
    }

    /**
     * Where a table's columns are, checked against what {@link AnchorTable} expects.
     *
     * @param id the id column's index, or -1
     * @param vector the vector column's index, or -1 (then {@code row} is set)
     * @param row the row column's index, or -1
     * @param positivesAreIds whether positives are corpus ids (else corpus rows)
     * @param known the known positives' column index, or -1
     */
    record Shape(int id, int vector, int row, int positives, boolean positivesAreIds, int known,
                 boolean knownAreIds) implements Serializable {
    }

    /** The shape of a table of {@code schema}, or a usage error naming the column. */
    static Shape shape(StructType schema) {
        int id = column(schema, ID, false, "string", DataTypes.StringType);
        int vector = column(schema, VECTOR, false, "array of float or double",
                DataTypes.createArrayType(DataTypes.FloatType), DataTypes.createArrayType(DataTypes.DoubleType));
        int row = column(schema, ROW, false, "int or long", DataTypes.IntegerType, DataTypes.LongType);
        if ((vector < 0) == (row < 0)) {
            throw new QuarryUsageException("anchors", String.join(",", schema.fieldNames()), "a column " + VECTOR
                    + " (the anchor's vector) or a column " + ROW + " (a row of the anchors' store), not "
                    + (vector < 0 ? "neither" : "both"));
        }
        if (vector >= 0 && id < 0) {
            throw new QuarryUsageException("anchors", String.join(",", schema.fieldNames()), "a column " + ID
                    + " (string) naming each anchor given by its " + VECTOR);
        }
        int positives = labels(schema, POSITIVES, true);
        int known = labels(schema, KNOWN_POSITIVES, false);
        return new Shape(id, vector, row, positives, isIds(schema, positives), known,
                known >= 0 && isIds(schema, known));
    }

    private static int labels(StructType schema, String name, boolean required) {
        return column(schema, name, required, "array of string (corpus ids) or of int or long (corpus rows)",
                DataTypes.createArrayType(DataTypes.StringType), DataTypes.createArrayType(DataTypes.IntegerType),
                DataTypes.createArrayType(DataTypes.LongType));
    }

    private static boolean isIds(StructType schema, int column) {
        return ((ArrayType) schema.fields()[column].dataType()).elementType().equals(DataTypes.StringType);
    }

    /** The index of column {@code name} of one of {@code types} (array element nullability aside), or -1. */
    private static int column(StructType schema, String name, boolean required, String expected, DataType... types) {
        String[] names = schema.fieldNames();
        for (int i = 0; i < names.length; i++) {
            if (!names[i].equals(name)) {
                continue;
            }
            StructField f = schema.fields()[i];
            for (DataType t : types) {
                if (sameType(f.dataType(), t)) {
                    return i;
                }
            }
            throw new QuarryUsageException("anchors." + name, f.dataType().simpleString(), expected);
        }
        if (required) {
            throw new QuarryUsageException("anchors", String.join(",", names), "a column " + name + " (" + expected
                    + ")");
        }
        return -1;
    }

    private static boolean sameType(DataType a, DataType b) {
        return a instanceof ArrayType x && b instanceof ArrayType y ? x.elementType().equals(y.elementType())
                : a.equals(b);
    }

    /**
     * Cuts one partition's rows into blocks of {@code blockSize} anchors, in the rows' order, numbered
     * after the blocks of the partitions before it. An anchor given by its vector gets its position in the
     * table as its ordinal (what seeds its random sampling).
     */
    static final class Cut implements Function2<Integer, Iterator<Row>, Iterator<BlockInput>> {
        private final WorkerSpec spec;
        private final Shape shape;
        private final int blockSize;
        private final long[] rowOffsets;
        private final long[] rowCounts;
        private final int[] blockOffsets;

        /**
         * @param rowOffsets rows in the partitions before each partition
         * @param rowCounts rows in each partition, as the driver counted or made them
         * @param blockOffsets blocks in the partitions before each partition
         */
        Cut(WorkerSpec spec, Shape shape, int blockSize, long[] rowOffsets, long[] rowCounts, int[] blockOffsets) {
            this.spec = spec;
            this.shape = shape;
            this.blockSize = blockSize;
            this.rowOffsets = rowOffsets;
            this.rowCounts = rowCounts;
            this.blockOffsets = blockOffsets;
        }

        @Override
        public Iterator<BlockInput> call(Integer partition, Iterator<Row> rows) {
            WorkerInputs in = WorkerInputs.of(spec);
            Reader reader = new Reader(shape, in.queries(), in.corpus().count(), in.corpusIds(),
                    spec.queries() == null);
            return new Iterator<>() {
                private long position = rowOffsets[partition];
                private int block = blockOffsets[partition];

                @Override
                public boolean hasNext() {
                    if (rows.hasNext()) {
                        return true;
                    }
                    // Blocks are numbered from the driver's counts: a partition holding other rows (a table that
                    // is not the same when read again) would number them wrong, so it fails instead.
                    long seen = position - rowOffsets[partition];
                    if (seen != rowCounts[partition]) {
                        throw new IllegalStateException("partition " + partition + " of the anchors table held "
                                + seen + " rows where the driver counted " + rowCounts[partition] + " (a table"
                                + " that changes when read again: persist it)");
                    }
                    return false;
                }

                @Override
                public BlockInput next() {
                    if (!rows.hasNext()) {
                        throw new NoSuchElementException();
                    }
                    List<Row> taken = new ArrayList<>(blockSize);
                    while (taken.size() < blockSize && rows.hasNext()) {
                        taken.add(rows.next());
                    }
                    BlockInput b = reader.block(block++, taken, position);
                    position += taken.size();
                    return b;
                }
            };
        }
    }

    /** Reads and checks rows of a table into a block. */
    private record Reader(Shape shape, VectorStore queries, long corpusRows, IdMap corpusIds, boolean corpusAnchors) {

        BlockInput block(int number, List<Row> rows, long position) {
            int n = rows.size();
            int dim = queries.dim();
            int[] anchors = new int[n];
            int[][] positives = new int[n][];
            int[][] exclusions = new int[n][];
            String[] names = new String[n];
            float[] vectors = shape.vector() >= 0 ? new float[n * dim] : null;
            for (int i = 0; i < n; i++) {
                Row r = rows.get(i);
                names[i] = shape.id() >= 0 && !r.isNullAt(shape.id()) ? r.getString(shape.id()) : null;
                String who = names[i] != null ? "anchor " + names[i] : "the anchor at position " + (position + i);
                if (vectors != null) {
                    if (names[i] == null) {
                        throw new QuarryDataException(SOURCE, ID, "null (" + who + ")", "a name for every anchor"
                                + " given by its vector", null);
                    }
                    if (position + i > Integer.MAX_VALUE) {
                        throw new QuarryDataException(SOURCE, "rows", position + i, "at most " + Integer.MAX_VALUE
                                + " anchors given by their vectors", null);
                    }
                    anchors[i] = (int) (position + i);
                    vector(r, who, vectors, i * dim, dim);
                } else {
                    anchors[i] = row(r, who);
                }
                positives[i] = labels(r, shape.positives(), shape.positivesAreIds(), POSITIVES, who);
                if (positives[i].length == 0) {
                    throw new QuarryDataException(SOURCE, POSITIVES, "[] (" + who + ")", "at least one positive",
                            null);
                }
                int[] known = shape.known() < 0 ? new int[0]
                        : labels(r, shape.known(), shape.knownAreIds(), KNOWN_POSITIVES, who);
                exclusions[i] = BlockMiner.exclusionsOf(positives[i], known,
                        vectors == null && corpusAnchors ? anchors[i] : -1);
            }
            return new BlockInput(number, anchors, positives, exclusions, names, vectors);
        }

        private int row(Row r, String who) {
            if (r.isNullAt(shape.row())) {
                throw new QuarryDataException(SOURCE, ROW, "null (" + who + ")", "a row of the anchors' store", null);
            }
            long row = ((Number) r.get(shape.row())).longValue();
            if (row < 0 || row >= queries.count()) {
                throw new QuarryDataException(SOURCE, ROW, row + " (" + who + ")", "0 <= row < " + queries.count()
                        + ", the rows of the anchors' store", null);
            }
            return (int) row;
        }

        private void vector(Row r, String who, float[] into, int at, int dim) {
            List<Object> v = r.isNullAt(shape.vector()) ? null : r.getList(shape.vector());
            if (v == null || v.size() != dim) {
                throw new QuarryDataException(SOURCE, VECTOR, (v == null ? "null" : v.size() + " values") + " ("
                        + who + ")", dim + " values, the corpus's dimension", null);
            }
            for (int k = 0; k < dim; k++) {
                Object x = v.get(k);
                float f = x == null ? Float.NaN : ((Number) x).floatValue();
                if (!Float.isFinite(f)) {
                    throw new QuarryDataException(SOURCE, VECTOR + "[" + k + "]", x + " (" + who + ")",
                            "a finite value (such an anchor scores NaN against everything)", null);
                }
                into[at + k] = f;
            }
        }

        /** The corpus rows a label column names, ascending and distinct. */
        private int[] labels(Row r, int column, boolean ids, String name, String who) {
            if (r.isNullAt(column)) {
                if (name.equals(KNOWN_POSITIVES)) {
                    return new int[0];
                }
                throw new QuarryDataException(SOURCE, name, "null (" + who + ")", "at least one positive", null);
            }
            List<Object> values = r.getList(column);
            int[] rows = new int[values.size()];
            for (int i = 0; i < rows.length; i++) {
                Object x = values.get(i);
                long row = x == null ? -1 : ids ? corpusIds.ordinal((String) x) : ((Number) x).longValue();
                if (row < 0 || row >= corpusRows) {
                    throw new QuarryDataException(SOURCE, name, x + " (" + who + ")", ids ? "ids of corpus rows"
                            : "rows of the corpus, 0 <= row < " + corpusRows, null);
                }
                rows[i] = (int) row;
            }
            return Arrays.stream(rows).sorted().distinct().toArray();
        }
    }
}
