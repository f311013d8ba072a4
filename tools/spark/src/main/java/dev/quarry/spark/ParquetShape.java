package dev.quarry.spark;

import dev.quarry.io.OutputOptions;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The Parquet columns of a mined set: the keys of the JSONL format's lines, in their order, with types
 * (sentence-transformers' names: {@code anchor}, {@code positive}, {@code negative_1..n}, or the labeled and
 * FlagEmbedding shapes). The rows are the engine's JSONL lines read with this schema, so the Parquet holds
 * exactly what the JSONL output holds.
 */
final class ParquetShape {
    private ParquetShape() {
    }

    static StructType schema(OutputOptions o) {
        List<StructField> f = new ArrayList<>();
        DataType strings = DataTypes.createArrayType(DataTypes.StringType, false);
        DataType floats = DataTypes.createArrayType(DataTypes.FloatType, true); // a broken score is null
        DataType ints = DataTypes.createArrayType(DataTypes.IntegerType, false);
        DataType doubles = DataTypes.createArrayType(DataTypes.DoubleType, false);
        switch (o.format()) {
            case TRIPLET -> {
                add(f, "anchor", DataTypes.StringType, "positive", DataTypes.StringType, "negative", DataTypes.StringType);
                addIf(f, o.outputScores(), "scores", floats);
                addIf(f, o.outputRanks(), "rank", DataTypes.IntegerType);
                addIf(f, o.softLabels(), "weight", DataTypes.DoubleType);
            }
            case N_TUPLE -> {
                add(f, "anchor", DataTypes.StringType, "positive", DataTypes.StringType);
                for (int n = 1; n <= o.numNegatives(); n++) {
                    add(f, "negative_" + n, DataTypes.StringType);
                }
                addIf(f, o.outputScores(), "scores", floats);
                addIf(f, o.outputRanks(), "negative_ranks", ints);
                addIf(f, o.softLabels(), "weights", doubles);
            }
            case LABELED_PAIR -> {
                add(f, "anchor", DataTypes.StringType, "text", DataTypes.StringType, "label", DataTypes.IntegerType);
                addIf(f, o.outputScores(), "score", DataTypes.FloatType);
                addIf(f, o.outputRanks(), "rank", DataTypes.IntegerType); // null for a positive's line
                addIf(f, o.softLabels(), "weight", DataTypes.DoubleType);
            }
            case LABELED_LIST -> {
                add(f, "anchor", DataTypes.StringType, "texts", strings, "labels", ints);
                addIf(f, o.outputScores(), "scores", floats);
                addIf(f, o.softLabels(), "weights", doubles);
                addIf(f, o.outputRanks(), "negative_ranks", ints);
            }
            case FLAG -> {
                add(f, "query", DataTypes.StringType, "pos", strings, "neg", strings);
                addIf(f, o.outputScores(), "pos_scores", floats);
                addIf(f, o.outputScores(), "neg_scores", floats);
                addIf(f, o.softLabels(), "neg_weights", doubles);
                addIf(f, o.outputRanks(), "negative_ranks", ints);
            }
            case NPY -> throw new dev.quarry.options.OptionError(dev.quarry.options.MineSettings.OUTPUT_FORMAT, "npy", "a JSONL shape for Parquet output (triplet, "
                    + "n-tuple, labeled-pair, labeled-list or flag); npy writes .npy files: give --output NAME.npy");
        }
        return DataTypes.createStructType(f);
    }

    private static void add(List<StructField> f, Object... nameType) {
        for (int i = 0; i < nameType.length; i += 2) {
            f.add(DataTypes.createStructField((String) nameType[i], (DataType) nameType[i + 1], true));
        }
    }

    private static void addIf(List<StructField> f, boolean present, String name, DataType type) {
        if (present) {
            add(f, name, type);
        }
    }
}
