package dev.quarry.spark;

import dev.quarry.mining.MinedAnchor;
import dev.quarry.mining.candidate.Shortfall;
import java.io.Serializable;
import java.util.Arrays;
import org.apache.spark.sql.Row;

/**
 * A mined block on its way from an executor to the driver: the mined anchors in a compact form (flat
 * primitive arrays, which Java serialization writes in bulk) and the block's output, encoded on the executor:
 * the bytes each output file gets (JSONL, npy), or the rows of a table (Parquet, {@link SparkMiner#mine}).
 *
 * @param block the block's number in output order
 * @param bytes the bytes of each output file for this block, in file order, or null
 * @param rows the block's rows in the output format's columns, or null
 */
record MinedBlock(int block, int[] anchors, int[] positiveEnds, int[] positives, float[] positiveScores,
                  int[] negativeEnds, int[] negatives, float[] negativeScores, int[] negativeRanks, byte[] shortfalls,
                  byte[][] bytes, Row[] rows) implements Serializable {
    private static final int LEFT_OUT = 0x40;

    static MinedBlock of(int block, MinedAnchor[] mined, BlockOutput.Encoded out) {
        byte[][] bytes = out.bytes();
        Row[] rows = out.rows();
        int n = mined.length;
        int[] anchors = new int[n];
        int[] positiveEnds = new int[n];
        int[] negativeEnds = new int[n];
        byte[] shortfalls = new byte[n];
        int positives = 0;
        int negatives = 0;
        for (int i = 0; i < n; i++) {
            positives += mined[i].positives().length;
            negatives += mined[i].negatives().length;
            anchors[i] = mined[i].anchor();
            positiveEnds[i] = positives;
            negativeEnds[i] = negatives;
            // the reason's ordinal, and the top bit for an anchor left out of the output
            shortfalls[i] = (byte) (mined[i].shortfall().ordinal() | (mined[i].leftOut() ? LEFT_OUT : 0));
        }
        int[] pos = new int[positives];
        float[] posScores = new float[positives];
        int[] neg = new int[negatives];
        float[] negScores = new float[negatives];
        int[] ranks = new int[negatives];
        for (int i = 0; i < n; i++) {
            MinedAnchor a = mined[i];
            int p = positiveEnds[i] - a.positives().length;
            System.arraycopy(a.positives(), 0, pos, p, a.positives().length);
            System.arraycopy(a.positiveScores(), 0, posScores, p, a.positives().length);
            int q = negativeEnds[i] - a.negatives().length;
            System.arraycopy(a.negatives(), 0, neg, q, a.negatives().length);
            System.arraycopy(a.negativeScores(), 0, negScores, q, a.negatives().length);
            System.arraycopy(a.negativeRanks(), 0, ranks, q, a.negatives().length);
        }
        return new MinedBlock(block, anchors, positiveEnds, pos, posScores, negativeEnds, neg, negScores, ranks,
                shortfalls, bytes, rows);
    }

    /** The mined anchors, as the engine's pipeline would have them. */
    MinedAnchor[] anchorsMined() {
        Shortfall[] reasons = Shortfall.values();
        MinedAnchor[] out = new MinedAnchor[anchors.length];
        for (int i = 0; i < anchors.length; i++) {
            int p0 = i == 0 ? 0 : positiveEnds[i - 1];
            int n0 = i == 0 ? 0 : negativeEnds[i - 1];
            out[i] = new MinedAnchor(anchors[i], Arrays.copyOfRange(positives, p0, positiveEnds[i]),
                    Arrays.copyOfRange(positiveScores, p0, positiveEnds[i]),
                    Arrays.copyOfRange(negatives, n0, negativeEnds[i]),
                    Arrays.copyOfRange(negativeScores, n0, negativeEnds[i]),
                    Arrays.copyOfRange(negativeRanks, n0, negativeEnds[i]), reasons[shortfalls[i] & ~LEFT_OUT],
                    (shortfalls[i] & LEFT_OUT) != 0);
        }
        return out;
    }

    /** The same block without its encoded output (what the summary needs once the output is written). */
    MinedBlock withoutOutput() {
        return new MinedBlock(block, anchors, positiveEnds, positives, positiveScores, negativeEnds, negatives,
                negativeScores, negativeRanks, shortfalls, null, null);
    }
}
