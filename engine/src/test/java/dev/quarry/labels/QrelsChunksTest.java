package dev.quarry.labels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.QuarryDataException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A qrels file read in chunks on several threads gives what the sequential read gives: the same pairs, counts,
 * first unknown ids and lines, and the same error for a malformed line, an unknown id under strict or bytes
 * that are not UTF-8, wherever the chunks fall.
 */
class QrelsChunksTest {
    @TempDir
    Path dir;

    private final IdMap anchors = IdMap.ordinals(400);
    private final IdMap docs = IdMap.ordinals(300);

    /** Lines of every kind: blank, comment, CRLF, lone CR, duplicates, label 0, unknown anchors and docs. */
    private static String oddTsv(long seed, int lines) {
        Random r = new Random(seed);
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            switch (r.nextInt(12)) {
                case 0 -> s.append("\n");
                case 1 -> s.append("# comment ").append(i).append('\n');
                case 2 -> s.append(r.nextInt(400)).append('\t').append(r.nextInt(300)).append("\r\n");
                case 3 -> s.append(r.nextInt(400)).append('\t').append(r.nextInt(300)).append('\r');
                case 4 -> s.append("7\t11\n"); // a duplicate, many times
                case 5 -> s.append(r.nextInt(400)).append('\t').append(r.nextInt(300)).append("\t0\n");
                case 6 -> s.append("a").append(r.nextInt(50)).append('\t').append(r.nextInt(300)).append('\n');
                case 7 -> s.append(r.nextInt(400)).append('\t').append("d").append(r.nextInt(50)).append('\n');
                case 8 -> s.append("  ").append(r.nextInt(400)).append(" \t ").append(r.nextInt(300)).append("\t2 \n");
                case 9 -> s.append("   \r\n");
                default -> s.append(r.nextInt(400)).append('\t').append(r.nextInt(300)).append('\n');
            }
        }
        return s.toString();
    }

    private static void assertSame(QrelsReader.Result expected, QrelsReader.Result actual, String what) {
        assertEquals(expected.report(), actual.report(), what);
        assertArrayEquals(expected.qrels().anchors(), actual.qrels().anchors(), what);
        for (int a : expected.qrels().anchors()) {
            assertArrayEquals(expected.qrels().docs(a), actual.qrels().docs(a), what + " anchor " + a);
        }
    }

    @Test
    void oddLinesReadInChunksOnAnyThreadCountGiveTheSequentialResult() throws IOException {
        for (long seed = 1; seed <= 3; seed++) {
            Path file = Files.writeString(dir.resolve("odd" + seed + ".tsv"), "\uFEFF" + oddTsv(seed, 3_000));
            QrelsReader.Result sequential = new QrelsReader(anchors, docs, false).read(file, QrelsFormat.TSV);
            assertTrue(sequential.report().unknownAnchors() > 0 && sequential.report().unknownDocs() > 0
                    && sequential.report().duplicates() > 0 && sequential.report().nonPositive() > 0, "odd enough");
            for (int threads = 2; threads <= 3; threads++) {
                for (int chunk : new int[] {1, 37, 1000, 4096}) {
                    QrelsReader chunked = new QrelsReader(anchors, docs, false, threads, chunk);
                    // The chunked path itself (not its fallback) must hold these lines.
                    assertNotNull(QrelsChunks.read(chunked, file, QrelsFormat.TSV, threads, chunk),
                            "seed " + seed + " chunk " + chunk);
                    assertSame(sequential, chunked.read(file, QrelsFormat.TSV),
                            "seed " + seed + ", " + threads + " threads, chunks of " + chunk);
                }
            }
        }
    }

    @Test
    void chunksEndJustAfterALineFeedAndCoverTheFile() throws IOException {
        Path file = Files.writeString(dir.resolve("c.tsv"), oddTsv(9, 500));
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            byte[] bytes = Files.readAllBytes(file);
            for (int chunk : new int[] {1, 3, 100, bytes.length, bytes.length * 2}) {
                long[] bounds = QrelsChunks.bounds(ch, chunk);
                assertEquals(0, bounds[0]);
                assertEquals(bytes.length, bounds[bounds.length - 1]);
                for (int k = 1; k < bounds.length - 1; k++) {
                    assertEquals('\n', bytes[(int) bounds[k] - 1], "chunk " + k + " of " + chunk);
                    assertTrue(bounds[k] - bounds[k - 1] >= chunk, "chunk " + k + " of " + chunk);
                }
            }
        }
    }

    @Test
    void trecAndJsonlInChunksGiveTheSequentialResult() throws IOException {
        StringBuilder trec = new StringBuilder();
        StringBuilder jsonl = new StringBuilder();
        Random r = new Random(3);
        for (int i = 0; i < 2_000; i++) {
            trec.append(r.nextInt(450)).append(" 0 ").append(r.nextInt(320)).append(' ').append(r.nextInt(3))
                    .append(i % 5 == 0 ? "\r\n" : "\n");
            jsonl.append("{\"anchor\": ").append(r.nextInt(450)).append(", \"positives\": [\"").append(r.nextInt(320))
                    .append("\", ").append(r.nextInt(320)).append("]}\n");
        }
        Path trecFile = Files.writeString(dir.resolve("q.qrels"), trec);
        Path jsonlFile = Files.writeString(dir.resolve("q.jsonl"), jsonl);
        for (Path file : new Path[] {trecFile, jsonlFile}) {
            QrelsReader.Result sequential = new QrelsReader(anchors, docs, false).read(file, null);
            assertTrue(sequential.report().unknownAnchors() > 0, file.toString());
            assertSame(sequential, new QrelsReader(anchors, docs, false, 2, 97).read(file, null), file.toString());
        }
    }

    @Test
    void errorsAreTheSequentialReadsWhereverTheChunksFall() throws IOException {
        String good = "1\t2\n" + oddTsv(4, 2_000).replace("\t0\n", "\t1\n");
        String[] bad = {
            "1\t2\t3\t4\n", // four fields
            "1\t2\tyes\n", // a label that is not a number, not on the first data line
            "{\"anchor\": 1}\n", // not TSV
        };
        for (String line : bad) {
            for (int at : new int[] {10, good.length() / 2, good.length()}) {
                int cut = good.indexOf('\n', at - 1) + 1;
                String text = cut == 0 ? good + line : good.substring(0, cut) + line + good.substring(cut);
                Path file = Files.writeString(dir.resolve("bad.tsv"), text);
                QuarryDataException expected = assertThrows(QuarryDataException.class,
                        () -> new QrelsReader(anchors, docs, false).read(file, QrelsFormat.TSV));
                assertNull(QrelsChunks.read(new QrelsReader(anchors, docs, false, 2, 50), file, QrelsFormat.TSV, 2, 50),
                        "a chunk stops at " + line.strip());
                QuarryDataException chunked = assertThrows(QuarryDataException.class,
                        () -> new QrelsReader(anchors, docs, false, 2, 50).read(file, QrelsFormat.TSV));
                assertEquals(expected.getMessage(), chunked.getMessage());
                assertTrue(chunked.getMessage().startsWith(file + ": line "), chunked.getMessage());
            }
        }
    }

    @Test
    void strictNamesTheFirstUnknownIdsLineAsTheSequentialReadDoes() throws IOException {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 3_000; i++) {
            s.append(i % 400).append('\t').append(i % 300).append('\n');
        }
        s.append("9\tnope\n").append("x\t1\n");
        Path file = Files.writeString(dir.resolve("strict.tsv"), s);
        QuarryDataException expected = assertThrows(QuarryDataException.class,
                () -> new QrelsReader(anchors, docs, true).read(file, QrelsFormat.TSV));
        QuarryDataException chunked = assertThrows(QuarryDataException.class,
                () -> new QrelsReader(anchors, docs, true, 2, 64).read(file, QrelsFormat.TSV));
        assertEquals(expected.getMessage(), chunked.getMessage());
        assertTrue(chunked.getMessage().contains("line 3001 doc id=nope"), chunked.getMessage());
    }

    @Test
    void bytesThatAreNotUtf8AreReportedAsTheSequentialReadReportsThem() throws IOException {
        byte[] head = oddTsv(5, 1_500).getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[head.length + 8];
        System.arraycopy(head, 0, bytes, 0, head.length);
        byte[] tail = {'1', '\t', (byte) 0xC3, (byte) 0x28, '\n', '2', '\t', '3'};
        System.arraycopy(tail, 0, bytes, head.length, tail.length);
        Path file = Files.write(dir.resolve("latin.tsv"), bytes);
        QuarryDataException expected = assertThrows(QuarryDataException.class,
                () -> new QrelsReader(anchors, docs, false).read(file, QrelsFormat.TSV));
        QuarryDataException chunked = assertThrows(QuarryDataException.class,
                () -> new QrelsReader(anchors, docs, false, 3, 128).read(file, QrelsFormat.TSV));
        assertEquals(expected.getMessage(), chunked.getMessage());
        assertTrue(chunked.getMessage().contains("invalid UTF-8"), chunked.getMessage());
    }

    @Test
    void aBeirHeaderAfterBlankChunksIsSkippedAsTheSequentialReadSkipsIt() throws IOException {
        // The first data line, a header, falls in a later chunk: the chunks cannot know it is the first.
        String text = "\n".repeat(300) + "# only comments so far\n" + "query-id\tcorpus-id\tscore\n" + oddTsv(6, 500);
        Path file = Files.writeString(dir.resolve("beir.tsv"), text);
        QrelsReader.Result sequential = new QrelsReader(anchors, docs, false).read(file, QrelsFormat.TSV);
        assertSame(sequential, new QrelsReader(anchors, docs, false, 2, 32).read(file, QrelsFormat.TSV), "header");
    }

    @Test
    void idsNumberedAsTheyComeAreReadInOrder() throws IOException {
        // Numbering ids in order of appearance is the sequential read's order: never split into chunks.
        Path file = Files.writeString(dir.resolve("dyn.tsv"), oddTsv(8, 2_000));
        DynamicIdMap sequentialIds = new DynamicIdMap();
        DynamicIdMap chunkedIds = new DynamicIdMap();
        QrelsReader.Result sequential = new QrelsReader(sequentialIds, docs, false).read(file, QrelsFormat.TSV);
        assertSame(sequential, new QrelsReader(chunkedIds, docs, false, 2, 16).read(file, QrelsFormat.TSV), "dynamic");
        for (int i = 0; i < sequentialIds.size(); i++) {
            assertEquals(sequentialIds.id(i), chunkedIds.id(i));
        }
    }
}
