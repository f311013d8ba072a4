package dev.quarry.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.quarry.mining.MinedAnchor;
import dev.quarry.mining.candidate.Shortfall;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Every output format, line by line, for one anchor with two positives and two negatives. */
class MinedEncoderTest {
    private static final TextLookup TEXTS = new TextLookup() {
        @Override
        public String anchor(int ordinal) {
            return "q" + ordinal;
        }

        @Override
        public String doc(int ordinal) {
            return ordinal == 9 ? "say \"hi\"\n" : "d" + ordinal;
        }
    };

    private static final MinedAnchor ANCHOR = new MinedAnchor(3, new int[] {5, 6}, new float[] {0.75f, 0.5f},
            new int[] {7, 9}, new float[] {0.625f, 0.25f}, new int[] {1, 4}, Shortfall.NONE);

    private static String encode(OutputFormat format, boolean scores, boolean ranks, boolean includePositives) {
        OutputOptions options = new OutputOptions(format, 2, scores, ranks, includePositives);
        byte[][] bytes = new JsonlMinedEncoder(options, TEXTS).encode(new MinedAnchor[] {ANCHOR});
        return new String(bytes[0], StandardCharsets.UTF_8);
    }

    @Test
    void tripletWritesOneLinePerPositiveAndNegative() {
        assertEquals("""
                {"anchor":"q3","positive":"d5","negative":"d7"}
                {"anchor":"q3","positive":"d5","negative":"say \\"hi\\"\\n"}
                {"anchor":"q3","positive":"d6","negative":"d7"}
                {"anchor":"q3","positive":"d6","negative":"say \\"hi\\"\\n"}
                """, encode(OutputFormat.TRIPLET, false, false, false));
        assertEquals("{\"anchor\":\"q3\",\"positive\":\"d5\",\"negative\":\"d7\",\"scores\":[0.75,0.625],\"rank\":1}\n",
                encode(OutputFormat.TRIPLET, true, true, false).lines().findFirst().orElseThrow() + "\n");
    }

    @Test
    void nTupleWritesOneLinePerPositiveAndSkipsShortAnchors() {
        assertEquals("""
                {"anchor":"q3","positive":"d5","negative_1":"d7","negative_2":"say \\"hi\\"\\n","scores":[0.75,0.625,0.25]}
                {"anchor":"q3","positive":"d6","negative_1":"d7","negative_2":"say \\"hi\\"\\n","scores":[0.5,0.625,0.25]}
                """, encode(OutputFormat.N_TUPLE, true, false, false));
        OutputOptions three = new OutputOptions(OutputFormat.N_TUPLE, 3, false, false, false);
        byte[][] bytes = new JsonlMinedEncoder(three, TEXTS).encode(new MinedAnchor[] {ANCHOR});
        assertEquals(0, bytes[0].length, "an anchor with 2 of 3 negatives has no n-tuple line");
    }

    @Test
    void labeledPairAndLabeledList() {
        assertEquals("""
                {"anchor":"q3","text":"d5","label":1}
                {"anchor":"q3","text":"d6","label":1}
                {"anchor":"q3","text":"d7","label":0}
                {"anchor":"q3","text":"say \\"hi\\"\\n","label":0}
                """, encode(OutputFormat.LABELED_PAIR, false, false, false));
        assertEquals("{\"anchor\":\"q3\",\"texts\":[\"d5\",\"d6\",\"d7\",\"say \\\"hi\\\"\\n\"],\"labels\":[1,1,0,0]}\n",
                encode(OutputFormat.LABELED_LIST, false, false, false));
        // --include-positives: ranked by score among the negatives (0.75, 0.625, 0.5, 0.25), labels kept.
        assertEquals("{\"anchor\":\"q3\",\"texts\":[\"d5\",\"d7\",\"d6\",\"say \\\"hi\\\"\\n\"],\"labels\":[1,0,1,0],"
                + "\"scores\":[0.75,0.625,0.5,0.25]}\n", encode(OutputFormat.LABELED_LIST, true, false, true));
    }

    @Test
    void flagWritesQueryPosNegWithScores() {
        assertEquals("{\"query\":\"q3\",\"pos\":[\"d5\",\"d6\"],\"neg\":[\"d7\",\"say \\\"hi\\\"\\n\"],"
                + "\"pos_scores\":[0.75,0.5],\"neg_scores\":[0.625,0.25],\"negative_ranks\":[1,4]}\n",
                encode(OutputFormat.FLAG, true, true, false));
    }

    @Test
    void npyRowsArePaddedToTheAskedWidth() {
        byte[][] bytes = new NpyMinedEncoder(3).encode(new MinedAnchor[] {ANCHOR});
        ByteBuffer ids = ByteBuffer.wrap(bytes[0]).order(ByteOrder.LITTLE_ENDIAN);
        assertArrayEquals(new int[] {7, 9, -1}, new int[] {ids.getInt(), ids.getInt(), ids.getInt()});
        ByteBuffer scores = ByteBuffer.wrap(bytes[1]).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0.625f, scores.getFloat());
        assertEquals(0.25f, scores.getFloat());
        assertEquals(Float.NaN, scores.getFloat());
        assertEquals(3, ByteBuffer.wrap(bytes[2]).order(ByteOrder.LITTLE_ENDIAN).getInt());
        MinedOutput output = new MinedOutput(Path.of("out/mined.npy"),
                new OutputOptions(OutputFormat.NPY, 3, false, false, false), TEXTS);
        assertEquals(Path.of("out/mined.ids.npy"), output.files().get(0));
        assertEquals(Path.of("out/mined.anchors.npy"), output.files().get(2));
    }

    @Test
    void includePositivesIsOnlyForLabeledList() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new OutputOptions(OutputFormat.TRIPLET, 2, false, false, true));
        assertEquals("include_positives=true, expected output_format labeled-list (where positives are ranked among the"
                + " negatives), not triplet", e.getMessage());
    }
}
