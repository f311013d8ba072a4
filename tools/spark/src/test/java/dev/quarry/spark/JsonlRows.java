package dev.quarry.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import scala.collection.Seq;

/**
 * Compares table rows with the JSONL lines {@code quarry mine} wrote: one row per line, in order, every column
 * holding the line's value (a string as written, a score as the float the line spells, a list element by
 * element) and a column the line lacks null.
 */
final class JsonlRows {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonlRows() {
    }

    /** Asserts that {@code rows} hold the lines of {@code jsonl}, one for one, in order. */
    static void assertSame(Path jsonl, List<Row> rows) throws IOException {
        List<String> lines = Files.readAllLines(jsonl);
        assertTrue(lines.size() > 100, "enough lines to compare: " + lines.size());
        assertEquals(lines.size(), rows.size(), "rows of " + jsonl);
        for (int i = 0; i < lines.size(); i++) {
            JsonNode line = JSON.readTree(lines.get(i));
            Row row = rows.get(i);
            String[] columns = row.schema().fieldNames();
            List<String> fields = new ArrayList<>();
            line.fieldNames().forEachRemaining(fields::add);
            for (String f : fields) {
                assertTrue(List.of(columns).contains(f), "column " + f + " of line " + i);
            }
            for (int c = 0; c < columns.length; c++) {
                JsonNode expected = line.get(columns[c]);
                Object actual = row.get(c);
                assertEquals(text(expected), text(actual), "line " + i + ", column " + columns[c]);
            }
        }
    }

    /** A value as comparable text: floats as the float they spell, lists element by element, null as null. */
    private static String text(Object v) {
        if (v == null || v instanceof JsonNode n && n.isNull()) {
            return "null";
        }
        if (v instanceof JsonNode n) {
            if (n.isArray()) {
                List<String> out = new ArrayList<>();
                n.forEach(e -> out.add(text(e)));
                return out.toString();
            }
            return n.isTextual() ? "'" + n.asText() + "'" : n.isIntegralNumber() ? n.asText()
                    : String.valueOf(Double.parseDouble(n.asText()));
        }
        if (v instanceof Seq<?> seq) {
            v = scala.jdk.javaapi.CollectionConverters.asJava(seq);
        }
        if (v instanceof List<?> list) {
            List<String> out = new ArrayList<>();
            list.forEach(e -> out.add(text(e)));
            return out.toString();
        }
        if (v instanceof String s) {
            return "'" + s + "'";
        }
        if (v instanceof Float f) { // a float's shortest text is what Jackson wrote; compared as a double
            return String.valueOf(Double.parseDouble(f.toString()));
        }
        if (v instanceof Double d) {
            return String.valueOf(d);
        }
        return String.valueOf(v);
    }
}
