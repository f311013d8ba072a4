package dev.quarry.labels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.QuarryDataException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every qrels format resolves to the same pairs; unknown ids, duplicates and label 0 are counted. */
class QrelsReaderTest {
    @TempDir
    Path dir;

    private final IdMap queries = IdMap.ordinals(10);
    private final IdMap docs = IdMap.ordinals(20);

    @Test
    void readsTsvSkippingCommentsAndTheBeirHeader() throws IOException {
        Path file = Files.writeString(dir.resolve("q.tsv"),
                "query-id\tcorpus-id\tscore\n# a comment\n1\t5\t1\n1\t3\t2\n2\t7\n3\t9\t0\n1\t5\t1\n");
        QrelsReader.Result r = new QrelsReader(queries, docs, false).read(file, null);
        assertArrayEquals(new int[] {1, 2}, r.qrels().anchors());
        assertArrayEquals(new int[] {3, 5}, r.qrels().docs(1));
        assertArrayEquals(new int[] {7}, r.qrels().docs(2));
        assertArrayEquals(new int[0], r.qrels().docs(3), "label 0 is not a positive");
        assertEquals(5, r.report().pairsRead());
        assertEquals(1, r.report().nonPositive());
        assertEquals(1, r.report().duplicates());
        assertEquals(3, r.report().positives());
    }

    @Test
    void readsTrecAndJsonlToTheSamePairs() throws IOException {
        Path trec = Files.writeString(dir.resolve("q.qrels"), "1 0 5 1\n1 0 3 1\n2 Q0 7 1\n");
        Path jsonl = Files.writeString(dir.resolve("q.jsonl"),
                "{\"anchor\": \"1\", \"positives\": [5, \"3\"], \"extra\": {\"x\": [1]}}\n{\"anchor\": 2, \"positives\": [\"7\"]}\n");
        QrelsReader reader = new QrelsReader(queries, docs, true);
        for (Path file : new Path[] {trec, jsonl}) {
            Qrels q = reader.read(file, null).qrels();
            assertArrayEquals(new int[] {1, 2}, q.anchors(), file.toString());
            assertArrayEquals(new int[] {3, 5}, q.docs(1), file.toString());
            assertArrayEquals(new int[] {7}, q.docs(2), file.toString());
        }
    }

    @Test
    void detectsTabSeparatedTrecAndIgnoresAByteOrderMark() throws IOException {
        Path msmarco = Files.writeString(dir.resolve("qrels.dev.tsv"), "1\t0\t5\t1\n2\t0\t7\t1\n");
        assertEquals(QrelsFormat.TREC, QrelsFormat.detect(msmarco));
        assertArrayEquals(new int[] {5}, new QrelsReader(queries, docs, true).read(msmarco, null).qrels().docs(1));
        Path bom = Files.writeString(dir.resolve("bom.tsv"), "\uFEFF1\t5\n");
        assertEquals(QrelsFormat.TSV, QrelsFormat.detect(bom));
        assertArrayEquals(new int[] {5}, new QrelsReader(queries, docs, true).read(bom, null).qrels().docs(1));
    }

    @Test
    void countsUnknownIdsOrFailsUnderStrict() throws IOException {
        Path file = Files.writeString(dir.resolve("u.tsv"), "1\t5\n42\t3\n1\tnope\n2\t6\n");
        QrelsReport report = new QrelsReader(queries, docs, false).read(file, null).report();
        assertEquals(1, report.unknownAnchors());
        assertEquals("42 (line 2)", report.firstUnknownAnchor());
        assertEquals(1, report.unknownDocs());
        assertEquals("nope (line 3)", report.firstUnknownDoc());
        assertEquals(2, report.positives());
        QuarryDataException e = assertThrows(QuarryDataException.class,
                () -> new QrelsReader(queries, docs, true).read(file, null));
        assertEquals(file + ": line 2 anchor id=42, expected an id of the anchor store (10 rows); strict is on",
                e.getMessage());
    }

    @Test
    void malformedJsonlNamesFileAndLine() throws IOException {
        Path file = Files.writeString(dir.resolve("bad.jsonl"),
                "{\"anchor\": 1, \"positives\": [2]}\n{\"anchor\": 1, \"positives\": [2}\n");
        QuarryDataException e = assertThrows(QuarryDataException.class,
                () -> new QrelsReader(queries, docs, false).read(file, null));
        assertTrue(e.getMessage().startsWith(file + ": line 2='{\"anchor\": 1, \"positives\": [2}' ("), e.getMessage());
        Path missing = Files.writeString(dir.resolve("miss.jsonl"), "{\"anchor\": 1}\n");
        e = assertThrows(QuarryDataException.class, () -> new QrelsReader(queries, docs, false).read(missing, null));
        assertTrue(e.getMessage().contains("expected {\"anchor\": id, \"positives\": [id, ...]}"), e.getMessage());
    }

    @Test
    void malformedTsvLineNamesFileAndLine() throws IOException {
        Path file = Files.writeString(dir.resolve("bad.tsv"), "1\t2\t1\n1\t2\t3\t4\n");
        QuarryDataException e = assertThrows(QuarryDataException.class,
                () -> new QrelsReader(queries, docs, false).read(file, QrelsFormat.TSV));
        assertEquals(file + ": line 2='1\\t2\\t3\\t4' (4 tab-separated fields), expected anchor_id<TAB>doc_id[<TAB>label]",
                e.getMessage());
    }
}
