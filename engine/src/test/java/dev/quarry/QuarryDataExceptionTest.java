package dev.quarry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.eval.EvalReport;
import dev.quarry.labels.IdMap;
import dev.quarry.labels.QrelsFormat;
import dev.quarry.labels.QrelsReader;
import dev.quarry.labels.QrelsReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Messages stay one short printable line whatever the user's files hold, and carry Jackson's message, not its source. */
class QuarryDataExceptionTest {
    @TempDir
    Path dir;

    /** An id of 100,000 characters with a NUL byte in it. */
    private static String hugeId() {
        return "a".repeat(50_000) + "\0" + "b".repeat(49_999);
    }

    private static void assertPrintable(String message) {
        assertTrue(message.chars().noneMatch(c -> c < 0x20 || c == 0x7f), "control characters in: " + message);
    }

    @Test
    void escapesControlCharactersInValues() {
        QuarryDataException e = new QuarryDataException(Path.of("f.tsv"), "line 1", "a\tb\nc\rd\0e\u001b[31mf\u202eg",
                "an id");
        assertEquals("f.tsv: line 1=a\\tb\\nc\\rd\\u0000e\\u001b[31mf\\u202eg, expected an id", e.getMessage());
    }

    @Test
    void cutsALongValueAndSaysHowLongItWas() {
        String printed = QuarryDataException.printable("x".repeat(500));
        assertEquals("x".repeat(QuarryDataException.MAX_VALUE_CHARS) + "... (500 chars)", printed);
        assertEquals("short", QuarryDataException.printable("short"));
        assertEquals("x".repeat(120), QuarryDataException.printable("x".repeat(120)));
    }

    @Test
    void neverCutsAnEscapeOrASurrogatePairInHalf() {
        // 119 characters, then an escape of 6: the escape does not fit and goes whole.
        assertEquals("y".repeat(119) + "... (121 chars)", QuarryDataException.printable("y".repeat(119) + "\0z"));
        String emoji = "\uD83D\uDE00";
        assertEquals("y".repeat(119) + "... (123 chars)", QuarryDataException.printable("y".repeat(119) + emoji + "zz"));
        assertEquals("y".repeat(118) + emoji + "... (122 chars)",
                QuarryDataException.printable("y".repeat(118) + emoji + "zz"));
    }

    @Test
    void aHugeIdWithANulByteInAQrelsFileGivesAShortPrintableMessage() throws IOException {
        Path qrels = Files.writeString(dir.resolve("qrels.tsv"), "1\t2\n" + hugeId() + "\t3\n");
        QuarryDataException e = assertThrows(QuarryDataException.class,
                () -> new QrelsReader(IdMap.ordinals(10), IdMap.ordinals(10), true).read(qrels, QrelsFormat.TSV));
        String message = e.getMessage();
        assertTrue(message.length() < 300, message.length() + " chars: " + message);
        assertPrintable(message);
        assertTrue(message.startsWith(qrels + ": line 2 anchor id=" + "a".repeat(120) + "... (100000 chars), expected"),
                message);

        // Without --strict the id is counted, and the summary's example is as short.
        QrelsReport report = new QrelsReader(IdMap.ordinals(10), IdMap.ordinals(10), false).read(qrels,
                QrelsFormat.TSV).report();
        assertEquals(1, report.unknownAnchors());
        assertEquals("a".repeat(120) + "... (100000 chars) (line 2)", report.firstUnknownAnchor());

        // The NUL byte itself, in a short id, is escaped.
        Path nul = Files.writeString(dir.resolve("nul.tsv"), "1\t2\nq\0x\t3\n");
        e = assertThrows(QuarryDataException.class,
                () -> new QrelsReader(IdMap.ordinals(10), IdMap.ordinals(10), true).read(nul, QrelsFormat.TSV));
        assertTrue(e.getMessage().startsWith(nul + ": line 2 anchor id=q\\u0000x, expected"), e.getMessage());
    }

    @Test
    void aHugeMalformedLineGivesAShortPrintableMessage() throws IOException {
        Path qrels = Files.writeString(dir.resolve("qrels.tsv"), "1\t2\n" + hugeId() + "\t3\t1\t\n");
        QuarryDataException e = assertThrows(QuarryDataException.class,
                () -> new QrelsReader(IdMap.ordinals(10), IdMap.ordinals(10), false).read(qrels, QrelsFormat.TSV));
        assertTrue(e.getMessage().length() < 300, e.getMessage());
        assertPrintable(e.getMessage());
    }

    @Test
    void jsonErrorsGiveJacksonsMessageAndColumnNotItsSourceExcerpt() throws IOException {
        Path qrels = Files.writeString(dir.resolve("qrels.jsonl"),
                "{\"anchor\": 1, \"positives\": [2]}\n{\"anchor\": 1, \"positives\": [2}\n");
        QuarryDataException e = assertThrows(QuarryDataException.class,
                () -> new QrelsReader(IdMap.ordinals(10), IdMap.ordinals(10), false).read(qrels, null));
        String message = e.getMessage();
        assertFalse(message.contains("Source:") || message.contains("REDACTED"), message);
        // Jackson's columns are 1-based: '[' is the 28th character of the line, '}' the 30th.
        assertEquals(qrels + ": line 2='{\"anchor\": 1, \"positives\": [2}' (Unexpected close marker '}': expected ']'"
                + " (for Array starting at column 28) at column 30, field /positives/0), expected one JSON object per line",
                message);
    }

    @Test
    void aJsonLineCutShortNamesWhereItsArrayStartedAndTheField() throws IOException {
        Path qrels = Files.writeString(dir.resolve("qrels.jsonl"),
                "{\"anchor\": 1, \"positives\": [2]}\n{\"anchor\": 3, \"positives\": [4, 5\n");
        QuarryDataException e = assertThrows(QuarryDataException.class,
                () -> new QrelsReader(IdMap.ordinals(10), IdMap.ordinals(10), false).read(qrels, null));
        String message = e.getMessage();
        assertFalse(message.contains("Source:") || message.contains("REDACTED"), message);
        assertTrue(message.startsWith(qrels + ": line 2="), message);
        assertTrue(message.contains("start marker at column 28)"), message);
        assertTrue(message.contains(", field /positives/"), message);
    }

    @Test
    void jsonErrorsInAWholeFileGiveLineAndColumn() throws IOException {
        Path report = Files.writeString(dir.resolve("eval.json"), "{\n  \"evaluations\": [\n    {\"name\": tru\u0000}\n");
        QuarryDataException e = assertThrows(QuarryDataException.class, () -> EvalReport.read(report));
        String message = e.getMessage();
        assertFalse(message.contains("Source:") || message.contains("REDACTED"), message);
        assertTrue(message.matches("(?s)\\Q" + report + ": file=unreadable (\\E.* at line 3, column \\d+,"
                + " field /evaluations/0/name\\), expected .*"),
                message);
        assertPrintable(message);
    }

    @Test
    void numbersOutOfRangeInJsonAreDataErrorsWithJacksonsMessage() throws IOException {
        Path report = Files.writeString(dir.resolve("eval.json"),
                "{\"evaluations\": [{\"nprobe\": 123456789012345678901234567890}]}\n");
        QuarryDataException e = assertThrows(QuarryDataException.class, () -> EvalReport.read(report));
        assertFalse(e.getMessage().contains("Source:") || e.getMessage().contains("REDACTED"), e.getMessage());
        assertTrue(e.getMessage().startsWith(report + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("at line 1, column "), e.getMessage());
        assertTrue(e.getMessage().contains("field /evaluations/0/nprobe"), e.getMessage());
    }
}
