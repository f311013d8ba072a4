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
import java.util.Arrays;
import java.util.List;

/**
 * Reads qrels (TSV, TREC or JSONL) and resolves ids to ordinals. Ids that name no row are counted
 * and reported, or fail the read under {@code strict}; repeated pairs are counted and dropped; label 0
 * lines are counted and ignored (a judged non-relevant document may still be mined as a negative).
 * A malformed line fails with the file and the line number.
 */
public final class QrelsReader {
    private static final JsonFactory JSON = new JsonFactory();
    /** Bytes a thread parses at a time when a file is read on several (about 70,000 TSV lines of short ids). */
    static final int CHUNK_BYTES = 1 << 20;

    private final IdMap anchorIds;
    private final IdMap docIds;
    private final boolean strict;
    private final int threads;
    private final int chunkBytes;

    /**
     * @param anchorIds ids of the anchor rows (the query store, or the corpus when anchors are corpus rows)
     * @param docIds ids of the corpus rows
     * @param strict fail on the first id that names no row instead of counting it
     */
    public QrelsReader(IdMap anchorIds, IdMap docIds, boolean strict) {
        this(anchorIds, docIds, strict, 1);
    }

    /**
     * As above, reading a big file on {@code threads} threads: in chunks of about a MiB that end at line ends,
     * parsed and resolved at once and joined in file order ({@link QrelsChunks}). The result, and any error, is
     * the sequential read's whatever the thread count.
     */
    public QrelsReader(IdMap anchorIds, IdMap docIds, boolean strict, int threads) {
        this(anchorIds, docIds, strict, threads, CHUNK_BYTES);
    }

    /** As above, with the chunk size (a file no bigger than one chunk is read in order). */
    QrelsReader(IdMap anchorIds, IdMap docIds, boolean strict, int threads, int chunkBytes) {
        if (threads < 1 || chunkBytes < 1) {
            throw new IllegalArgumentException("threads=" + threads + " chunkBytes=" + chunkBytes + ", expected >= 1");
        }
        this.anchorIds = anchorIds;
        this.docIds = docIds;
        this.strict = strict;
        this.threads = threads;
        this.chunkBytes = chunkBytes;
    }

    /** The result of a read. */
    public record Result(Qrels qrels, QrelsReport report) {
    }

    /** Reads {@code file} in {@code format} (null: detected). */
    public Result read(Path file, QrelsFormat format) {
        try {
            QrelsFormat f = format != null ? format : QrelsFormat.detect(file);
            UserFiles.requireInput(file);
            if (threads > 1 && !(anchorIds instanceof DynamicIdMap) && !(docIds instanceof DynamicIdMap)
                    && Files.size(file) > chunkBytes) {
                Result read = QrelsChunks.read(this, file, f, threads, chunkBytes);
                if (read != null) {
                    return read;
                }
                // A chunk met something to report (a malformed line, an unknown id under strict, bytes that are
                // not UTF-8): the file is read again in order, so what is reported is what a sequential read says.
            }
            Accumulator acc = new Accumulator(file);
            try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                long lineNo = 0;
                boolean first = true;
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    lineNo++;
                    if (lineNo == 1 && line.startsWith("\uFEFF")) {
                        line = line.substring(1); // a UTF-8 byte-order mark is not part of the first id
                    }
                    if (line(file, f, lineNo, line, first, acc)) {
                        first = false;
                    }
                }
            }
            return acc.result();
        } catch (CharacterCodingException e) {
            throw new QuarryDataException(file, "encoding", "invalid UTF-8", "UTF-8 text", e);
        } catch (IOException e) {
            throw QuarryDataException.unreadable(file, "file", e, "a readable qrels file");
        }
    }

    /**
     * Reads one line of {@code file} (its number {@code lineNo}, a byte-order mark already removed) into
     * {@code acc}; {@code first} while no data line came before it. Whether it was a data line (not blank, not
     * a comment).
     */
    boolean line(Path file, QrelsFormat f, long lineNo, String line, boolean first, Accumulator acc)
            throws IOException {
        String trimmed = line.strip();
        if (trimmed.isEmpty() || trimmed.startsWith("#")) {
            return false;
        }
        switch (f) {
            case TSV -> tsv(file, lineNo, line, first, acc);
            case TREC -> trec(file, lineNo, trimmed, acc);
            case JSONL -> jsonl(file, lineNo, trimmed, acc);
        }
        return true;
    }

    /** A fresh accumulator of the pairs of {@code file}. */
    Accumulator accumulator(Path file) {
        return new Accumulator(file);
    }

    /**
     * An accumulator that holds the positive pairs' ids until {@link Accumulator#resolvePending} looks them up
     * all at once ({@link IdMap#ordinals}), then counts them in the order they came.
     */
    Accumulator deferredAccumulator(Path file) {
        Accumulator acc = new Accumulator(file);
        acc.pendingAnchors = new String[1024];
        acc.pendingDocs = new String[1024];
        acc.pendingLines = new long[1024];
        return acc;
    }

    private void tsv(Path file, long lineNo, String line, boolean first, Accumulator acc) {
        // The fields of line.split("\t", -1), found with indexOf: a split builds a list and an array a line.
        int tab1 = line.indexOf('\t');
        int tab2 = tab1 < 0 ? -1 : line.indexOf('\t', tab1 + 1);
        int fields = tab1 < 0 ? 1 : tab2 < 0 ? 2 : 3 + (int) line.substring(tab2 + 1).chars().filter(c -> c == '\t').count();
        if (fields < 2 || fields > 3) {
            throw new QuarryDataException(file, "line " + lineNo, "'" + abbreviate(line) + "' (" + fields
                    + " tab-separated fields)", "anchor_id<TAB>doc_id[<TAB>label]");
        }
        String anchor = line.substring(0, tab1);
        String doc = line.substring(tab1 + 1, fields == 3 ? tab2 : line.length());
        String labelField = fields == 3 ? line.substring(tab2 + 1).strip() : null;
        if (fields == 3 && !isNumber(labelField)) {
            if (first) {
                return; // a header such as BEIR's query-id<TAB>corpus-id<TAB>score
            }
            throw new QuarryDataException(file, "line " + lineNo + " label", labelField, "a number");
        }
        double label = fields == 3 ? Double.parseDouble(labelField) : 1;
        acc.pair(lineNo, anchor.strip(), doc.strip(), label);
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

    /**
     * Counts and resolves pairs as lines arrive. The first unknown ids are kept with their line numbers as
     * counted by the reader that fed it, so a chunk's can be moved by the lines before the chunk.
     */
    final class Accumulator {
        private final Path file;
        private final Qrels.Builder builder = new Qrels.Builder();
        private long pairsRead;
        private long nonPositive;
        private long unknownAnchors;
        private long unknownDocs;
        private String firstUnknownAnchor;
        private long firstUnknownAnchorLine;
        private String firstUnknownDoc;
        private long firstUnknownDocLine;

        Accumulator(Path file) {
            this.file = file;
        }

        /** Ids of positive pairs not looked up yet, with their lines (null: every pair is looked up at once). */
        private String[] pendingAnchors;
        private String[] pendingDocs;
        private long[] pendingLines;
        private int pending;

        void pair(long lineNo, String anchorId, String docId, double label) {
            pairsRead++;
            if (!(label > 0)) {
                nonPositive++;
                return;
            }
            if (pendingAnchors != null) {
                if (pending == pendingAnchors.length) {
                    int more = Math.max(1024, pending * 2);
                    pendingAnchors = Arrays.copyOf(pendingAnchors, more);
                    pendingDocs = Arrays.copyOf(pendingDocs, more);
                    pendingLines = Arrays.copyOf(pendingLines, more);
                }
                pendingAnchors[pending] = anchorId;
                pendingDocs[pending] = docId;
                pendingLines[pending++] = lineNo;
                return;
            }
            positive(lineNo, anchorId, docId, anchorIds.ordinal(anchorId), docIds.ordinal(docId));
        }

        /** Looks up the held pairs' ids in one batch per map and counts the pairs in the order they came. */
        void resolvePending() {
            int[] anchors = new int[pending];
            int[] docs = new int[pending];
            anchorIds.ordinals(pendingAnchors, pending, anchors);
            docIds.ordinals(pendingDocs, pending, docs);
            for (int i = 0; i < pending; i++) {
                positive(pendingLines[i], pendingAnchors[i], pendingDocs[i], anchors[i], docs[i]);
            }
            pending = 0;
            pendingAnchors = new String[0]; // the ids are garbage now; a chunk's accumulator lives until the join
            pendingDocs = new String[0];
            pendingLines = new long[0];
        }

        private void positive(long lineNo, String anchorId, String docId, int anchor, int doc) {
            if (anchor < 0) {
                if (strict) {
                    throw new QuarryDataException(file, "line " + lineNo + " anchor id", anchorId,
                            "an id of the anchor store (" + anchorIds.size() + " rows); strict is on");
                }
                unknownAnchors++;
                if (firstUnknownAnchor == null) {
                    firstUnknownAnchor = anchorId;
                    firstUnknownAnchorLine = lineNo;
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
                    firstUnknownDoc = docId;
                    firstUnknownDocLine = lineNo;
                }
                return;
            }
            builder.add(anchor, doc);
        }

        /**
         * Adds what {@code later} counted, its lines numbered from 1 after the {@code linesBefore} lines this one
         * was fed before it; its pairs join this one's (order does not matter: {@link Qrels.Builder#build} sorts).
         */
        void append(Accumulator later, long linesBefore) {
            pairsRead += later.pairsRead;
            nonPositive += later.nonPositive;
            unknownAnchors += later.unknownAnchors;
            unknownDocs += later.unknownDocs;
            if (firstUnknownAnchor == null && later.firstUnknownAnchor != null) {
                firstUnknownAnchor = later.firstUnknownAnchor;
                firstUnknownAnchorLine = linesBefore + later.firstUnknownAnchorLine;
            }
            if (firstUnknownDoc == null && later.firstUnknownDoc != null) {
                firstUnknownDoc = later.firstUnknownDoc;
                firstUnknownDocLine = linesBefore + later.firstUnknownDocLine;
            }
            builder.addAll(later.builder);
        }

        /** The pairs and the report of the whole file. */
        Result result() {
            Qrels qrels = builder.build();
            QrelsReport report = new QrelsReport(file.toString(), pairsRead, qrels.pairCount(), nonPositive,
                    builder.duplicates(), unknownAnchors, unknown(firstUnknownAnchor, firstUnknownAnchorLine),
                    unknownDocs, unknown(firstUnknownDoc, firstUnknownDocLine));
            return new Result(qrels, report);
        }

        private static String unknown(String id, long line) {
            return id == null ? null : QuarryDataException.printable(id) + " (line " + line + ")";
        }
    }
}
