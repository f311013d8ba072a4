package dev.quarry.eval.audit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.QuarryDataException;
import dev.quarry.io.JsonlMinedEncoder;
import dev.quarry.io.NpyMinedEncoder;
import dev.quarry.io.OutputFormat;
import dev.quarry.io.OutputOptions;
import dev.quarry.io.TextLookup;
import dev.quarry.labels.IdMap;
import dev.quarry.mining.MinedAnchor;
import dev.quarry.mining.candidate.Shortfall;
import dev.quarry.store.NpyHeader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every output format of quarry mine, written by its own encoder, reads back as the same anchors. */
class MinedSetReaderTest {
    private static final TextLookup TEXTS = new TextLookup() {
        @Override
        public String anchor(int ordinal) {
            return "q" + ordinal;
        }

        @Override
        public String doc(int ordinal) {
            return "d" + ordinal;
        }
    };
    // Anchor 3: two positives, two negatives with ranks; anchor 4: one positive, no negative.
    private static final MinedAnchor[] BLOCK = {
        new MinedAnchor(3, new int[] {5, 6}, new float[] {0.75f, 0.5f}, new int[] {7, 9}, new float[] {0.625f, 0.25f},
                new int[] {1, 4}, Shortfall.NONE),
        new MinedAnchor(4, new int[] {8}, new float[] {0.875f}, new int[0], new float[0], new int[0], Shortfall.NONE)};

    @TempDir
    Path dir;

    private Path jsonl(OutputFormat format, boolean scores, boolean ranks) throws IOException {
        byte[][] bytes = new JsonlMinedEncoder(new OutputOptions(format, 2, scores, ranks, false), TEXTS).encode(BLOCK);
        return Files.write(dir.resolve(format.cliName() + ".jsonl"), bytes[0]);
    }

    @ParameterizedTest
    @EnumSource(value = OutputFormat.class, names = "NPY", mode = EnumSource.Mode.EXCLUDE)
    void everyJsonlFormatReadsBackWithScoresAndRanks(OutputFormat format) throws IOException {
        MinedSetReader.MinedSet set = MinedSetReader.read(jsonl(format, true, true));
        assertEquals(format, set.format());
        AuditedAnchor a = set.anchors().getFirst();
        assertEquals("q3", a.anchor());
        assertEquals(List.of("d5", "d6"), a.positives());
        assertArrayEquals(new float[] {0.75f, 0.5f}, a.positiveScores());
        // Triplet and n-tuple repeat the negatives for each positive: they are counted once.
        assertEquals(List.of("d7", "d9"), a.negatives());
        assertArrayEquals(new float[] {0.625f, 0.25f}, a.negativeScores());
        assertArrayEquals(new int[] {1, 4}, a.negativeRanks());
        boolean listsEmptyAnchors = format != OutputFormat.TRIPLET && format != OutputFormat.N_TUPLE;
        assertEquals(listsEmptyAnchors ? 2 : 1, set.anchors().size(), "anchors without negatives");
        if (listsEmptyAnchors) {
            assertEquals(List.of(), set.anchors().get(1).negatives());
        }
    }

    @ParameterizedTest
    @EnumSource(value = OutputFormat.class, names = "NPY", mode = EnumSource.Mode.EXCLUDE)
    void withoutScoresTheyAreUnknownNotZero(OutputFormat format) throws IOException {
        AuditedAnchor a = MinedSetReader.read(jsonl(format, false, false)).anchors().getFirst();
        assertTrue(Float.isNaN(a.negativeScores()[0]));
        assertTrue(Float.isNaN(a.positiveReference()));
        assertArrayEquals(new int[] {-1, -1}, a.negativeRanks());
    }

    @Test
    void npyReadsRowNumbersAndDropsPadding() throws IOException {
        Path ids = writeNpy(dir.resolve("m.ids.npy"), NpyHeader.encode("<i4", 2, 2), 0);
        writeNpy(dir.resolve("m.scores.npy"), NpyHeader.encode("<f4", 2, 2), 1);
        writeNpy(dir.resolve("m.anchors.npy"), NpyHeader.encode("<i4", 2), 2);
        MinedSetReader.MinedSet set = MinedSetReader.read(ids);
        assertEquals(OutputFormat.NPY, set.format());
        assertEquals(List.of("7", "9"), set.anchors().get(0).negatives());
        assertArrayEquals(new float[] {0.625f, 0.25f}, set.anchors().get(0).negativeScores());
        assertEquals(List.of(), set.anchors().get(1).negatives(), "padding (-1) is not a negative");
        assertEquals(List.of(), set.anchors().get(0).positives(), "npy does not carry positives");

        IdMap queries = IdMap.ordinals(5);
        MinedSetReader.MinedSet named = set.withStoreIds(ids, new Names("q", 5), new Names("d", 10))
                .withPositives(anchor -> anchor.equals("q3") ? List.of("d5") : List.of());
        assertEquals("q3", named.anchors().get(0).anchor());
        assertEquals(List.of("d7", "d9"), named.anchors().get(0).negatives());
        assertEquals(List.of("d5"), named.anchors().get(0).positives());
        QuarryDataException e = assertThrows(QuarryDataException.class, () -> set.withStoreIds(ids, queries,
                IdMap.ordinals(8)));
        assertTrue(e.getMessage().contains("ids.npy=9") && e.getMessage().contains("below 8"), e.getMessage());
    }

    private static Path writeNpy(Path path, byte[] header, int array) throws IOException {
        return Files.write(path, concat(header, new NpyMinedEncoder(2).encode(BLOCK)[array]));
    }

    @Test
    void npyArraysOfDifferentShapesAreRejectedNamingTheFile() throws IOException {
        Path ids = writeNpy(dir.resolve("m.ids.npy"), NpyHeader.encode("<i4", 2, 2), 0);
        Files.write(dir.resolve("m.scores.npy"), concat(NpyHeader.encode("<f4", 4), new byte[16]));
        writeNpy(dir.resolve("m.anchors.npy"), NpyHeader.encode("<i4", 2), 2);
        QuarryDataException e = assertThrows(QuarryDataException.class, () -> MinedSetReader.read(ids));
        assertTrue(e.getMessage().contains("m.scores.npy: shape=[4, 1], expected [2, 2], the shape of m.ids.npy"),
                e.getMessage());
        Files.write(dir.resolve("m.scores.npy"), concat(NpyHeader.encode("<f4", 2, 2), new byte[16]));
        Files.write(dir.resolve("m.anchors.npy"), concat(NpyHeader.encode("<i4", 2), new byte[] {-1, -1, -1, -1, 0, 0,
            0, 0}));
        e = assertThrows(QuarryDataException.class, () -> MinedSetReader.read(ids));
        assertTrue(e.getMessage().contains("m.anchors.npy: row 0=-1, expected a row number >= 0"), e.getMessage());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = new byte[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void unknownFormatSaysWhichFormatsAreAccepted() throws IOException {
        Path file = Files.writeString(dir.resolve("other.jsonl"), "{\"question\": \"q\", \"answer\": \"a\"}\n");
        QuarryDataException e = assertThrows(QuarryDataException.class, () -> MinedSetReader.read(file));
        assertTrue(e.getMessage().contains("other.jsonl") && e.getMessage().contains("line 1 keys")
                && e.getMessage().contains("triplet, n-tuple, labeled-pair, labeled-list, flag"), e.getMessage());
    }

    @Test
    void brokenLineIsNamed() throws IOException {
        Path file = Files.writeString(dir.resolve("t.jsonl"), "{\"anchor\":\"q\",\"positive\":\"p\",\"negative\":\"n\"}\n"
                + "{\"anchor\":\"q\",\"positive\":\"p\",\"negative\":\n");
        QuarryDataException e = assertThrows(QuarryDataException.class, () -> MinedSetReader.read(file));
        assertTrue(e.getMessage().contains("t.jsonl") && e.getMessage().contains("line 2"), e.getMessage());
    }

    @Test
    void emptyFileIsNotAMinedSet() throws IOException {
        Path file = Files.writeString(dir.resolve("empty.jsonl"), "\n");
        QuarryDataException e = assertThrows(QuarryDataException.class, () -> MinedSetReader.read(file));
        assertTrue(e.getMessage().contains("content=empty"), e.getMessage());
    }

    /** Ids "PREFIX0", "PREFIX1", ... */
    private record Names(String prefix, long size) implements IdMap {
        @Override
        public int ordinal(String id) {
            return id.startsWith(prefix) ? Integer.parseInt(id.substring(prefix.length())) : -1;
        }

        @Override
        public String id(int ordinal) {
            return prefix + ordinal;
        }
    }
}
