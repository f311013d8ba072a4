package dev.quarry.eval.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.QuarryDataException;
import dev.quarry.io.JsonlTexts;
import dev.quarry.labels.IdTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Review sheets: the stratified sample, the files written, and the estimate read back from the marks. */
class ReviewSheetTest {
    /** Names for a set read without any id or text file: values are shown and kept as written. */
    private static final ValueNames IDS_AS_WRITTEN = ValueNames.of(null, null, List.of());

    @TempDir
    Path dir;

    /** 100 negatives over 10 anchors: ranks 0..99, so 10 in [0,10), 20 in [10,30), 70 in [30,100). */
    private static List<AuditedAnchor> anchors() {
        List<AuditedAnchor> anchors = new ArrayList<>();
        for (int a = 0; a < 10; a++) {
            List<String> negatives = new ArrayList<>();
            float[] scores = new float[10];
            int[] ranks = new int[10];
            for (int i = 0; i < 10; i++) {
                ranks[i] = a * 10 + i;
                negatives.add("d" + ranks[i]);
                scores[i] = 1 - ranks[i] / 100f;
            }
            anchors.add(new AuditedAnchor("q" + a, List.of("p" + a), new float[] {1}, new int[] {-1}, negatives, scores,
                    ranks, a));
        }
        return anchors;
    }

    private static List<ReviewSheet.Row> sample(int n, long seed) {
        return ReviewSheet.sample(anchors(), n, seed, IDS_AS_WRITTEN, IDS_AS_WRITTEN);
    }

    @Test
    void sampleIsProportionalToTheRankStrata() {
        List<ReviewSheet.Row> rows = sample(20, 7);
        assertEquals(20, rows.size());
        long top = rows.stream().filter(r -> r.rank() < 10).count();
        long middle = rows.stream().filter(r -> r.rank() >= 10 && r.rank() < 30).count();
        long deep = rows.stream().filter(r -> r.rank() >= 30).count();
        assertEquals(List.of(2L, 4L, 14L), List.of(top, middle, deep));
        assertEquals(20, rows.stream().map(r -> r.negativeId()).distinct().count(), "no negative twice");
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(i + 1, rows.get(i).row());
        }
    }

    @Test
    void sampleIsSeeded() {
        assertEquals(ids(sample(20, 7)), ids(sample(20, 7)));
        assertNotEquals(ids(sample(20, 7)), ids(sample(20, 8)));
    }

    @Test
    void askingForMoreThanThereIsTakesEverything() {
        assertEquals(100, sample(500, 1).size());
    }

    private static List<String> ids(List<ReviewSheet.Row> rows) {
        return rows.stream().map(r -> r.anchorId() + "/" + r.negativeId()).toList();
    }

    /** A text file for ids PREFIX0..PREFIX{n-1} whose texts need quoting in CSV. */
    private Path texts(String name, String prefix, int n) throws IOException {
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < n; i++) {
            jsonl.append("{\"id\": \"").append(prefix).append(i).append("\", \"text\": \"a \\\"quoted\\\", multi-line\\n")
                    .append(prefix.equals("q") ? "query " : "document ").append(i).append("\"}\n");
        }
        return Files.writeString(dir.resolve(name), jsonl);
    }

    @Test
    void sheetsCarryTextsIdsScoresRanksAndAnEmptyMark() throws IOException {
        Path queries = texts("queries.jsonl", "q", 10);
        Path corpus = texts("corpus.jsonl", "d", 100);
        try (IdTable queryIds = JsonlTexts.idsOf(queries); IdTable docIds = JsonlTexts.idsOf(corpus);
             JsonlTexts queryTexts = JsonlTexts.open(queries, queryIds, 10);
             JsonlTexts docTexts = JsonlTexts.open(corpus, docIds, 100)) {
            List<ReviewSheet.Row> rows = ReviewSheet.sample(anchors(), 3, 1, ValueNames.of(queryIds, queryTexts,
                    List.of()), ValueNames.of(docIds, docTexts, List.of()));
            Path csv = dir.resolve("s.csv");
            Path jsonl = dir.resolve("s.jsonl");
            ReviewSheet.write(rows, csv, jsonl);
            assertTrue(Files.readString(csv).startsWith("row,anchor_id,negative_id,anchor,positive,negative,score,"
                    + "rank,relevant\n"), Files.readString(csv));
            List<String> lines = Files.readAllLines(jsonl);
            assertEquals(3, lines.size());
            JsonNode first = new ObjectMapper().readTree(lines.getFirst());
            ReviewSheet.Row r = rows.getFirst();
            assertEquals(1, first.get("row").asInt());
            assertEquals(r.anchorId(), first.get("anchor_id").asText());
            assertEquals("a \"quoted\", multi-line\nquery " + r.anchorId().substring(1), first.get("anchor").asText());
            assertEquals("a \"quoted\", multi-line\ndocument " + r.negativeId().substring(1),
                    first.get("negative").asText());
            assertEquals(r.score(), first.get("score").floatValue());
            assertEquals(r.rank(), first.get("rank").asInt());
            assertTrue(first.get("relevant").isNull());
            // Texts with quotes, commas and newlines survive the CSV: marking every row reads back 3 rows.
            ReviewSheet.Estimate e = ReviewSheet.read(mark(csv, "1", "0", "no"));
            assertEquals(3, e.reviewed());
            assertEquals(1, e.relevant());
            assertEquals(List.of(r.anchorId(), r.negativeId()), Arrays.asList(e.relevantPairs().getFirst()));
        }
    }

    @Test
    void aSetMinedWithTextsGetsItsIdsBackFromTheTextFiles() throws IOException {
        Path corpus = texts("corpus.jsonl", "d", 100);
        try (IdTable docIds = JsonlTexts.idsOf(corpus); JsonlTexts docTexts = JsonlTexts.open(corpus, docIds, 100)) {
            String text7 = docTexts.text(7);
            ValueNames names = ValueNames.of(docIds, docTexts, List.of(text7, "d3", "a text of no row"));
            assertEquals("d7", names.id(text7), "a text maps back to its row's id");
            assertEquals(text7, names.text(text7));
            assertEquals("d3", names.id("d3"));
            assertEquals(docTexts.text(3), names.text("d3"), "an id reads as its text");
            assertNull(names.id("a text of no row"));
            assertEquals("a text of no row", names.text("a text of no row"));
        }
    }

    @Test
    void cellsThatSpreadsheetsWouldEvaluateAreGuarded() throws IOException {
        assertEquals("'=HYPERLINK(\"x\")", ReviewSheet.cell("=HYPERLINK(\"x\")"));
        assertEquals("'-1", ReviewSheet.cell("-1"));
        assertEquals("plain", ReviewSheet.cell("plain"));
        assertEquals("", ReviewSheet.cell(null));
        Path csv = Files.writeString(dir.resolve("guarded.csv"), "row,anchor_id,negative_id,relevant\n1,'=q1,'@d2,1\n");
        assertEquals(List.of("=q1", "@d2"), Arrays.asList(ReviewSheet.read(csv).relevantPairs().getFirst()));
    }

    /** The sheet with its relevant column filled with {@code marks}, row by row (CSV rows may span lines). */
    private Path mark(Path csv, String... marks) throws IOException {
        String text = Files.readString(csv);
        StringBuilder out = new StringBuilder();
        int row = -1; // the header ends with "relevant\n"; data rows end with ",\n" (empty mark)
        for (String line : text.split("\n", -1)) {
            if (line.isEmpty()) {
                continue;
            }
            if (row >= 0 && line.endsWith(",") && row < marks.length) {
                line = line + marks[row++];
            } else if (row < 0) {
                row = 0;
            }
            out.append(line).append('\n');
        }
        return Files.writeString(dir.resolve("marked.csv"), out.toString());
    }

    @Test
    void estimateAndVerdictFollowTheWilsonInterval() throws IOException {
        assertTrue(estimate(0, 100).verdict().startsWith("PASS"), "0/100: interval below 5%");
        assertTrue(estimate(20, 100).verdict().startsWith("FAIL"), "20/100: interval above 5%");
        ReviewSheet.Estimate five = estimate(5, 100);
        assertTrue(five.verdict().startsWith("INCONCLUSIVE"), "5/100: interval contains 5%");
        assertEquals(0.05, five.interval().estimate(), 1e-12);
        assertEquals(0.0215, five.interval().low(), 5e-5);
        assertEquals(0.1118, five.interval().high(), 5e-5);
        assertTrue(five.describe().contains("5 of 100 reviewed negatives marked relevant"), five.describe());
    }

    private ReviewSheet.Estimate estimate(int relevant, int rows) throws IOException {
        StringBuilder csv = new StringBuilder("row,anchor,negative,relevant\n");
        for (int i = 1; i <= rows; i++) {
            csv.append(i).append(",a,n,").append(i <= relevant ? (i % 2 == 0 ? "yes" : "1") : "0").append('\n');
        }
        return ReviewSheet.read(Files.writeString(dir.resolve("e" + relevant + ".csv"), csv));
    }

    @Test
    void missingAndInvalidMarksNameTheirRows() throws IOException {
        Path csv = Files.writeString(dir.resolve("bad.csv"), """
                row,anchor,negative,relevant
                1,a,n,1
                2,a,n,
                3,a,n,maybe
                4,a,n,0
                5,a,n,
                """);
        QuarryDataException e = assertThrows(QuarryDataException.class, () -> ReviewSheet.read(csv));
        assertTrue(e.getMessage().contains("bad.csv") && e.getMessage().contains("relevant=missing in rows 2, 5; "
                + "invalid in rows 3 ('maybe')") && e.getMessage().contains("expected a mark on every row"),
                e.getMessage());
    }

    @Test
    void rowThatStopsBeforeTheMarkIsMissingNotABadHeader() throws IOException {
        Path csv = Files.writeString(dir.resolve("short.csv"), "row,anchor,negative,relevant\n1,a,n,0\n2,a,n\n");
        QuarryDataException e = assertThrows(QuarryDataException.class, () -> ReviewSheet.read(csv));
        assertTrue(e.getMessage().contains("relevant=missing in rows 2"), e.getMessage());
    }

    @Test
    void sheetWithoutTheRelevantColumnIsRejected() throws IOException {
        Path csv = Files.writeString(dir.resolve("cols.csv"), "row,anchor,negative\n1,a,n\n");
        QuarryDataException e = assertThrows(QuarryDataException.class, () -> ReviewSheet.read(csv));
        assertTrue(e.getMessage().contains("cols.csv: header=[row, anchor, negative], expected the columns of a review "
                + "sheet, with 'relevant'"), e.getMessage());
    }

    @Test
    void relevantPairsAreWrittenAsQrels() throws IOException {
        Path tsv = dir.resolve("relevant.tsv");
        ReviewSheet.writeRelevantPairs(List.of(new String[] {"q1", "d7"}, new String[] {"q2", "d9"}), tsv);
        assertEquals("q1\td7\t1\nq2\td9\t1\n", Files.readString(tsv));
    }
}
