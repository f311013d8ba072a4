package dev.quarry.labels;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.quarry.QuarryDataException;
import dev.quarry.files.UserFiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads qrels (TSV, TREC or JSONL) and resolves ids to ordinals. Ids that name no row are counted
 * and reported, or fail the read under {@code strict}; repeated pairs are counted and dropped; label 0
 * lines are counted and ignored (a judged non-relevant document may still be mined as a negative).
 * A malformed line fails with the file and the line number.
 */
public final class QrelsReader {
    private static final JsonFactory JSON = new JsonFactory();

    private final IdMap anchorIds;
    private final IdMap docIds;
    private final boolean strict;

    /**
     * @param anchorIds ids of the anchor rows (the query store, or the corpus when anchors are corpus rows)
     * @param docIds ids of the corpus rows
     * @param strict fail on the first id that names no row instead of counting it
     */
    public QrelsReader(IdMap anchorIds, IdMap docIds, boolean strict) {
        this.anchorIds = anchorIds;
        this.docIds = docIds;
        this.strict = strict;
    }

    /** The result of a read. */
    public record Result(Qrels qrels, QrelsReport report) {
    }

    /** Reads {@code file} in {@code format} (null: detected). */
    public Result read(Path file, QrelsFormat format) {
        try {
            QrelsFormat f = format != null ? format : QrelsFormat.detect(file);
            Accumulator acc = new Accumulator(file);
            UserFiles.requireInput(file);
            try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                long lineNo = 0;
                boolean first = true;
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    lineNo++;
                    if (lineNo == 1 && line.startsWith("\uFEFF")) {
                        line = line.substring(1); // a UTF-8 byte-order mark is not part of the first id
                    }
                    String trimmed = line.strip();
                    if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                        continue;
                    }
                    switch (f) {
                        case TSV -> tsv(file, lineNo, line, first, acc);
                        case TREC -> trec(file, lineNo, trimmed, acc);
                        case JSONL -> jsonl(file, lineNo, trimmed, acc);
                    }
                    first = false;
                }
            }
            Qrels qrels = acc.builder.build();
            QrelsReport report = new QrelsReport(file.toString(), acc.pairsRead, qrels.pairCount(), acc.nonPositive,
                    acc.builder.duplicates(), acc.unknownAnchors, acc.firstUnknownAnchor, acc.unknownDocs,
                    acc.firstUnknownDoc);
            return new Result(qrels, report);
        } catch (CharacterCodingException e) {
            throw new QuarryDataException(file, "encoding", "invalid UTF-8", "UTF-8 text", e);
        } catch (IOException e) {
            throw QuarryDataException.unreadable(file, "file", e, "a readable qrels file");
        }
    }

    private void tsv(Path file, long lineNo, String line, boolean first, Accumulator acc) {
        String[] fields = line.split("\t", -1);
        if (fields.length < 2 || fields.length > 3) {
            throw new QuarryDataException(file, "line " + lineNo, "'" + abbreviate(line) + "' (" + fields.length
                    + " tab-separated fields)", "anchor_id<TAB>doc_id[<TAB>label]");
        }
        if (fields.length == 3 && !isNumber(fields[2].strip())) {
            if (first) {
                return; // a header such as BEIR's query-id<TAB>corpus-id<TAB>score
            }
            throw new QuarryDataException(file, "line " + lineNo + " label", fields[2].strip(), "a number");
        }
        double label = fields.length == 3 ? Double.parseDouble(fields[2].strip()) : 1;
        acc.pair(lineNo, fields[0].strip(), fields[1].strip(), label);
    }

    private void trec(Path file, long lineNo, String line, Accumulator acc) {
        String[] fields = line.split("\\s+");
        if (fields.length != 4 || !isNumber(fields[3])) {
            throw new QuarryDataException(file, "line " + lineNo, "'" + abbreviate(line) + "'",
                    "TREC qrels: qid iteration docid relevance");
        }
        acc.pair(lineNo, fields[0], fields[2], Double.parseDouble(fields[3]));
    }

    private void jsonl(Path file, long lineNo, String line, Accumulator acc) throws IOException {
        String anchor = null;
        List<String> positives = null;
        try (JsonParser p = JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw malformedJson(file, lineNo, line, "a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "anchor" -> anchor = idValue(file, lineNo, line, p, value);
                    case "positives" -> {
                        if (value != JsonToken.START_ARRAY) {
                            throw malformedJson(file, lineNo, line, "\"positives\" as an array of ids");
                        }
                        positives = new ArrayList<>();
                        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                            positives.add(idValue(file, lineNo, line, p, t));
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                throw malformedJson(file, lineNo, line, "one JSON object per line");
            }
        } catch (JsonProcessingException e) {
            throw QuarryDataException.json(file, "line " + lineNo, line, e, true, "one JSON object per line");
        }
        if (anchor == null || positives == null) {
            throw malformedJson(file, lineNo, line, "{\"anchor\": id, \"positives\": [id, ...]}");
        }
        for (String doc : positives) {
            acc.pair(lineNo, anchor, doc, 1);
        }
    }

    private static String idValue(Path file, long lineNo, String line, JsonParser p, JsonToken token)
            throws IOException {
        if (token == JsonToken.VALUE_STRING || token == JsonToken.VALUE_NUMBER_INT) {
            return p.getText();
        }
        throw malformedJson(file, lineNo, line, "ids as strings or integers");
    }

    private static QuarryDataException malformedJson(Path file, long lineNo, String line, String expected) {
        return new QuarryDataException(file, "line " + lineNo, "'" + abbreviate(line) + "'", expected);
    }

    private static boolean isNumber(String s) {
        if (s.isEmpty()) {
            return false;
        }
        try {
            Double.parseDouble(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String abbreviate(String line) {
        return line.length() <= 60 ? line : line.substring(0, 57) + "...";
    }

    /** Counts and resolves pairs as lines arrive. */
    private final class Accumulator {
        private final Path file;
        private final Qrels.Builder builder = new Qrels.Builder();
        private long pairsRead;
        private long nonPositive;
        private long unknownAnchors;
        private long unknownDocs;
        private String firstUnknownAnchor;
        private String firstUnknownDoc;

        Accumulator(Path file) {
            this.file = file;
        }

        void pair(long lineNo, String anchorId, String docId, double label) {
            pairsRead++;
            if (!(label > 0)) {
                nonPositive++;
                return;
            }
            int anchor = anchorIds.ordinal(anchorId);
            int doc = docIds.ordinal(docId);
            if (anchor < 0) {
                if (strict) {
                    throw new QuarryDataException(file, "line " + lineNo + " anchor id", anchorId,
                            "an id of the anchor store (" + anchorIds.size() + " rows); strict is on");
                }
                unknownAnchors++;
                if (firstUnknownAnchor == null) {
                    firstUnknownAnchor = QuarryDataException.printable(anchorId) + " (line " + lineNo + ")";
                }
                return;
            }
            if (doc < 0) {
                if (strict) {
                    throw new QuarryDataException(file, "line " + lineNo + " doc id", docId,
                            "an id of the corpus (" + docIds.size() + " rows); strict is on");
                }
                unknownDocs++;
                if (firstUnknownDoc == null) {
                    firstUnknownDoc = QuarryDataException.printable(docId) + " (line " + lineNo + ")";
                }
                return;
            }
            builder.add(anchor, doc);
        }
    }
}
