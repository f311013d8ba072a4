package dev.quarry.labels;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.quarry.QuarryDataException;
import dev.quarry.files.UserFiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.agrona.collections.IntHashSet;

/**
 * A model's ranked predictions per anchor, read from a TREC run ({@code qid Q0 docid rank score tag})
 * or JSONL ({@code {"anchor": id, "candidates": [id, ...], "scores": [s, ...]}}, scores optional):
 * what a retriever returned, to mine its wrong top-K without any embedding. Each anchor's list is
 * sorted by score descending (rank ascending when there are no scores; then scores are {@code -rank}),
 * ties by position in the file. Held as CSR arrays of ordinals and scores.
 */
public final class RunFile {
    private static final JsonFactory JSON = new JsonFactory();

    private final int[] anchors;
    private final int[] offsets;
    private final int[] docs;
    private final float[] scores;
    private final boolean scored;
    private final RunReport report;

    private RunFile(int[] anchors, int[] offsets, int[] docs, float[] scores, boolean scored, RunReport report) {
        this.anchors = anchors;
        this.offsets = offsets;
        this.docs = docs;
        this.scores = scores;
        this.scored = scored;
        this.report = report;
    }

    /**
     * What reading a run found.
     *
     * @param file the run file
     * @param entries lines (or JSONL candidates) read
     * @param anchors anchors with at least one candidate kept
     * @param unknownAnchors entries whose anchor id names no anchor row (skipped)
     * @param unknownDocs entries whose doc id names no corpus row (skipped)
     * @param duplicates repeated (anchor, doc) entries dropped (the best-ranked kept)
     */
    public record RunReport(String file, long entries, long anchors, long unknownAnchors, long unknownDocs,
                            long duplicates) {
    }

    /** Calls {@code anchor} and {@code doc} with every id a run names, in file order (to number ids). */
    public static void scanIds(Path file, Consumer<String> anchor, Consumer<String> doc) {
        parse(file, (lineNo, a, d, rank, score) -> {
            anchor.accept(a);
            doc.accept(d);
        });
    }

    /** Reads a run, resolving ids; unknown ids are counted, or fail under {@code strict}. */
    public static RunFile read(Path file, IdMap anchorIds, IdMap docIds, boolean strict) {
        List<long[]> entries = new ArrayList<>(); // anchor, doc, rank, score bits, position
        long[] unknown = new long[2];
        boolean[] anyScore = {false};
        parse(file, (lineNo, a, d, rank, score) -> {
            int anchor = anchorIds.ordinal(a);
            int doc = docIds.ordinal(d);
            if (anchor < 0 || doc < 0) {
                if (strict) {
                    throw new QuarryDataException(file, "line " + lineNo + (anchor < 0 ? " anchor id" : " doc id"),
                            anchor < 0 ? a : d, "an id of the " + (anchor < 0 ? "anchors" : "corpus")
                                    + "; strict is on");
                }
                unknown[anchor < 0 ? 0 : 1]++;
                return;
            }
            anyScore[0] |= !Float.isNaN(score);
            entries.add(new long[] {anchor, doc, rank, Float.floatToRawIntBits(score), entries.size()});
        });
        boolean scored = anyScore[0];
        entries.sort((x, y) -> {
            int c = Long.compare(x[0], y[0]);
            if (c != 0) {
                return c;
            }
            if (scored) {
                c = Float.compare(Float.intBitsToFloat((int) y[3]), Float.intBitsToFloat((int) x[3]));
            } else {
                c = Long.compare(x[2], y[2]);
            }
            return c != 0 ? c : Long.compare(x[4], y[4]);
        });
        int n = entries.size();
        int[] docs = new int[n];
        float[] scores = new float[n];
        int[] anchorList = new int[n];
        int[] offsets = new int[n + 1];
        int anchorsSeen = 0;
        int kept = 0;
        long duplicates = 0;
        IntHashSet seen = new IntHashSet();
        for (int i = 0; i < n; i++) {
            long[] e = entries.get(i);
            if (i == 0 || e[0] != entries.get(i - 1)[0]) {
                anchorList[anchorsSeen] = (int) e[0];
                offsets[anchorsSeen++] = kept;
                seen.clear();
            }
            if (!seen.add((int) e[1])) {
                duplicates++;
                continue;
            }
            docs[kept] = (int) e[1];
            scores[kept] = scored ? Float.intBitsToFloat((int) e[3]) : -e[2];
            kept++;
        }
        offsets[anchorsSeen] = kept;
        RunReport report = new RunReport(file.toString(), n + unknown[0] + unknown[1], anchorsSeen, unknown[0],
                unknown[1], duplicates);
        return new RunFile(Arrays.copyOf(anchorList, anchorsSeen), Arrays.copyOf(offsets, anchorsSeen + 1),
                Arrays.copyOf(docs, kept), Arrays.copyOf(scores, kept), scored, report);
    }

    /** What reading the run found. */
    public RunReport report() {
        return report;
    }

    /** Whether the run carries scores (margins need them). */
    public boolean scored() {
        return scored;
    }

    /** Position of {@code anchor}'s list, or -1 when the run does not rank it. */
    public int indexOf(int anchor) {
        int i = Arrays.binarySearch(anchors, anchor);
        return i < 0 ? -1 : i;
    }

    /** Candidates in list {@code i}. */
    public int size(int i) {
        return offsets[i + 1] - offsets[i];
    }

    /** The {@code j}-th best doc of list {@code i}. */
    public int doc(int i, int j) {
        return docs[offsets[i] + j];
    }

    /** Its score ({@code -rank} without scores). */
    public float score(int i, int j) {
        return scores[offsets[i] + j];
    }

    private interface Entry {
        void accept(long lineNo, String anchor, String doc, long rank, float score);
    }

    private static void parse(Path file, Entry entry) {
        boolean jsonl = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".jsonl");
        UserFiles.requireInput(file);
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            long lineNo = 0;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lineNo++;
                String trimmed = line.replace("\uFEFF", "").strip();
                if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                    continue;
                }
                if (jsonl || trimmed.startsWith("{")) {
                    jsonl(file, lineNo, trimmed, entry);
                } else {
                    trec(file, lineNo, trimmed, entry);
                }
            }
        } catch (IOException e) {
            throw QuarryDataException.unreadable(file, "file", e, "a readable run file");
        }
    }

    private static void trec(Path file, long lineNo, String line, Entry entry) {
        String[] f = line.split("\\s+");
        if (f.length < 5) {
            throw new QuarryDataException(file, "line " + lineNo, "'" + abbreviate(line) + "'",
                    "a TREC run line: qid Q0 docid rank score [tag]");
        }
        try {
            entry.accept(lineNo, f[0], f[2], Long.parseLong(f[3]), Float.parseFloat(f[4]));
        } catch (NumberFormatException e) {
            throw new QuarryDataException(file, "line " + lineNo, "'" + abbreviate(line) + "'",
                    "an integer rank and a numeric score in columns 4 and 5", e);
        }
    }

    private static void jsonl(Path file, long lineNo, String line, Entry entry) throws IOException {
        String anchor = null;
        List<String> candidates = null;
        List<Float> scores = null;
        try (JsonParser p = JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw bad(file, lineNo, line);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "anchor" -> anchor = idText(file, lineNo, line, p, t);
                    case "candidates" -> {
                        candidates = new ArrayList<>();
                        for (JsonToken c = p.nextToken(); c != JsonToken.END_ARRAY; c = p.nextToken()) {
                            candidates.add(idText(file, lineNo, line, p, c));
                        }
                    }
                    case "scores" -> {
                        scores = new ArrayList<>();
                        for (JsonToken c = p.nextToken(); c != JsonToken.END_ARRAY; c = p.nextToken()) {
                            if (c != JsonToken.VALUE_NUMBER_FLOAT && c != JsonToken.VALUE_NUMBER_INT) {
                                throw bad(file, lineNo, line);
                            }
                            scores.add(p.getFloatValue());
                        }
                    }
                    default -> p.skipChildren();
                }
            }
        } catch (JsonProcessingException e) {
            throw QuarryDataException.json(file, "line " + lineNo, line, e, true, "one JSON object per line");
        }
        if (anchor == null || candidates == null || (scores != null && scores.size() != candidates.size())) {
            throw bad(file, lineNo, line);
        }
        for (int i = 0; i < candidates.size(); i++) {
            entry.accept(lineNo, anchor, candidates.get(i), i + 1, scores == null ? Float.NaN : scores.get(i));
        }
    }

    private static String idText(Path file, long lineNo, String line, JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_STRING || t == JsonToken.VALUE_NUMBER_INT) {
            return p.getText();
        }
        throw bad(file, lineNo, line);
    }

    private static QuarryDataException bad(Path file, long lineNo, String line) {
        return new QuarryDataException(file, "line " + lineNo, "'" + abbreviate(line) + "'",
                "{\"anchor\": id, \"candidates\": [id, ...], \"scores\": [number, ...]} (scores optional, as many"
                        + " as candidates)");
    }

    private static String abbreviate(String line) {
        return line.length() <= 60 ? line : line.substring(0, 57) + "...";
    }
}
