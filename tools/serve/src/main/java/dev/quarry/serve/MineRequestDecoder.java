package dev.quarry.serve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.quarry.QuarryUsageException;
import dev.quarry.labels.IdMap;
import dev.quarry.negatives.StoredNegatives;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import dev.quarry.options.Door;
import dev.quarry.options.MineOptions;
import dev.quarry.options.MineSettings;
import dev.quarry.options.OptionText;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a mine request, binary or JSON, against the corpus served (its dimension and ids) and the
 * limits. Every refusal is a {@link BadRequest} naming the field.
 *
 * <p>Binary ({@code application/octet-stream}, with query parameter {@code n}): {@code n x dim}
 * little-endian float32, then {@code n} UTF-8 lines of tab-separated positive ids (a line may be
 * empty), then, with {@code with-anchor-ids=true}, {@code n} lines of anchor ids. JSON:
 * {@code {"anchors": [[...], ...], "positives": [["id", ...] or "id", ...], "anchor_ids": [...]}}
 * plus mining options as fields. Options (fields, or query parameters for either shape) are the request
 * schema's settings by their HTTP names ({@code num_negatives}; {@code num-negatives} is accepted too), read
 * and checked by the schema itself ({@link OptionText}): the command line's refusals, before any anchor is
 * read. A setting named twice (in the body, the query or both) is refused.
 */
final class MineRequestDecoder {
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(
            ByteOrder.LITTLE_ENDIAN);
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(8).maxNumberLength(64)
                    .maxStringLength(1 << 20).build()).build();
    /** Query parameters of a binary request that are not mining options. */
    static final java.util.Set<String> BINARY_PARAMS = java.util.Set.of("n", "with-anchor-ids", "format");

    private final int dim;
    private final long rows;
    private final IdMap ids;
    private final RequestLimits limits;
    private final MineOptions defaults;

    /**
     * @param dim the corpus's dimension
     * @param rows the corpus's rows (range_max may not exceed them)
     * @param defaults the server's options for settings a request leaves out
     */
    MineRequestDecoder(int dim, long rows, IdMap ids, RequestLimits limits, MineOptions defaults) {
        this.dim = dim;
        this.rows = rows;
        this.ids = ids;
        this.limits = limits;
        this.defaults = defaults;
    }

    /** Options as a request gives them: query parameters, then JSON fields, each setting named once. */
    private final class Options {
        final MineOptions.Builder builder = defaults.toBuilder();
        final Map<String, String> seen = new HashMap<>();

        void add(String name, String text) {
            if (!OptionText.add(Door.HTTP, name, text, builder, seen)) {
                throw OptionText.unknown(Door.HTTP, name, text);
            }
        }

        MineOptions build() {
            MineOptions options = builder.build();
            MineSettings.checkCorpus(options, rows, "the corpus served");
            return options;
        }
    }

    /** A binary request: {@code body} as sent, {@code query} its query parameters (mining options among them). */
    MineRequest binary(byte[] body, Map<String, String> query) {
        Options given = new Options();
        query.forEach((name, value) -> {
            if (!BINARY_PARAMS.contains(name)) {
                given.add(name, value);
            }
        });
        MineOptions options = given.build();
        String nText = query.get("n");
        if (nText == null) {
            throw new BadRequest("n", "", "the number of anchors in the body, as query parameter n");
        }
        int n = anchorsCount("n", nText);
        boolean withIds = flag(query, "with-anchor-ids");
        long vectorBytes = (long) n * dim * Float.BYTES;
        if (body.length < vectorBytes) {
            throw new BadRequest("body", body.length + " bytes", "at least n x dim x 4 = " + vectorBytes
                    + " bytes of float32 (n=" + n + ", dim=" + dim + ")");
        }
        String text = utf8(body, (int) vectorBytes, body.length - (int) vectorBytes);
        List<String> lines = lines(text);
        int expectedLines = withIds ? 2 * n : n;
        if (lines.size() != expectedLines) {
            throw new BadRequest("positives", lines.size() + " lines", expectedLines + " lines after the vectors: "
                    + "one line of tab-separated positive ids per anchor" + (withIds ? ", then one anchor id per"
                    + " anchor" : ""));
        }
        MemorySegment anchors = MemorySegment.ofArray(body);
        requireFinite(anchors, 0, n);
        int[][] positives = new int[n][];
        for (int i = 0; i < n; i++) {
            String line = lines.get(i);
            positives[i] = positives(i, line.isEmpty() ? new String[0] : line.split("\t", -1));
        }
        String[] anchorIds = null;
        if (withIds) {
            anchorIds = new String[n];
            for (int i = 0; i < n; i++) {
                anchorIds[i] = anchorId(i, lines.get(n + i));
            }
        }
        return new MineRequest(anchors, 0, n, dim, positives, anchorIds, options);
    }

    /** A JSON request; query parameters (if any) are options too. */
    MineRequest json(byte[] body, Map<String, String> query) {
        Options given = new Options();
        query.forEach((name, value) -> {
            if (!name.equals("format")) {
                given.add(name, value);
            }
        });
        List<float[]> anchors = null;
        List<String[]> positiveIds = null;
        List<String> anchorIds = null;
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new BadRequest("body", "not an object", "a JSON object {\"anchors\": ..., \"positives\": ...}");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "anchors" -> anchors = vectors(p);
                    case "positives" -> positiveIds = positiveLists(p);
                    case "anchor_ids", "anchor-ids" -> anchorIds = strings(p, "anchor_ids");
                    default -> given.add(field, scalar(p, field, value));
                }
            }
        } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
            throw new BadRequest("body", "too deep or too long", "a JSON object within limits (" + e.getMessage() + ")");
        } catch (JsonParseException e) {
            throw new BadRequest("body", "malformed JSON at line " + e.getLocation().getLineNr() + " column "
                    + e.getLocation().getColumnNr(), "a JSON object (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new BadRequest("body", "unreadable", "a JSON object (" + e.getMessage() + ")");
        }
        MineOptions options = given.build();
        if (anchors == null) {
            throw new BadRequest("anchors", "missing", "a list of anchor vectors");
        }
        if (positiveIds == null) {
            throw new BadRequest("positives", "missing", "a list with the positive ids of each anchor");
        }
        int n = anchors.size();
        if (positiveIds.size() != n) {
            throw new BadRequest("positives", positiveIds.size() + " lists", n + ", one per anchor");
        }
        if (anchorIds != null && anchorIds.size() != n) {
            throw new BadRequest("anchor_ids", anchorIds.size() + " ids", n + ", one per anchor");
        }
        MemorySegment segment = MemorySegment.ofArray(new float[Math.max(1, n * dim)]);
        for (int i = 0; i < n; i++) {
            MemorySegment.copy(anchors.get(i), 0, segment, ValueLayout.JAVA_FLOAT, (long) i * dim * Float.BYTES, dim);
        }
        // A float[] segment holds native-order floats; the miner reads little-endian ones.
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalStateException("a big-endian machine: JSON anchors need a byte swap here");
        }
        int[][] positives = new int[n][];
        for (int i = 0; i < n; i++) {
            positives[i] = positives(i, positiveIds.get(i));
        }
        String[] ids = null;
        if (anchorIds != null) {
            ids = new String[n];
            for (int i = 0; i < n; i++) {
                ids[i] = anchorId(i, anchorIds.get(i));
            }
        }
        return new MineRequest(segment, 0, n, dim, positives, ids, options);
    }

    private List<float[]> vectors(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new BadRequest("anchors", p.getText(), "a list of anchor vectors");
        }
        List<float[]> out = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            int i = out.size();
            if (i >= limits.maxAnchors()) {
                throw new BadRequest("anchors", "more than " + limits.maxAnchors(), "at most " + limits.maxAnchors()
                        + " anchors per request (--max-anchors)");
            }
            if (p.currentToken() != JsonToken.START_ARRAY) {
                throw new BadRequest("anchors[" + i + "]", p.getText(), "a list of " + dim + " numbers");
            }
            float[] v = new float[dim];
            int k = 0;
            while (p.nextToken() != JsonToken.END_ARRAY) {
                if (!p.currentToken().isNumeric()) {
                    throw new BadRequest("anchors[" + i + "][" + k + "]", p.getText(), "a number");
                }
                if (k >= dim) {
                    throw new BadRequest("anchors[" + i + "]", "more than " + dim + " numbers", dim
                            + " numbers (the corpus's dimension)");
                }
                float f = p.getFloatValue();
                if (!Float.isFinite(f)) {
                    throw new BadRequest("anchors[" + i + "][" + k + "]", p.getText(), "a finite float32");
                }
                v[k++] = f;
            }
            if (k != dim) {
                throw new BadRequest("anchors[" + i + "]", k + " numbers", dim + " numbers (the corpus's dimension)");
            }
            out.add(v);
        }
        return out;
    }

    private List<String[]> positiveLists(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new BadRequest("positives", p.getText(), "a list with the positive ids of each anchor");
        }
        List<String[]> out = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (out.size() >= limits.maxAnchors()) {
                throw new BadRequest("positives", "more than " + limits.maxAnchors(), "at most "
                        + limits.maxAnchors() + " entries");
            }
            if (p.currentToken() == JsonToken.START_ARRAY) {
                out.add(strings(p, "positives[" + out.size() + "]").toArray(String[]::new));
            } else if (p.currentToken() == JsonToken.VALUE_STRING || p.currentToken().isNumeric()) {
                out.add(new String[] {p.getText()});
            } else {
                throw new BadRequest("positives[" + out.size() + "]", p.getText(), "an id or a list of ids");
            }
        }
        return out;
    }

    private List<String> strings(JsonParser p, String field) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new BadRequest(field, p.getText(), "a list of ids");
        }
        List<String> out = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() != JsonToken.VALUE_STRING && !p.currentToken().isNumeric()) {
                throw new BadRequest(field + "[" + out.size() + "]", p.getText(), "an id (a string)");
            }
            if (out.size() >= limits.maxAnchors()) {
                throw new BadRequest(field, "more than " + limits.maxAnchors() + " entries", "at most "
                        + limits.maxAnchors());
            }
            out.add(p.getText());
        }
        return out;
    }

    private static String scalar(JsonParser p, String field, JsonToken value) throws IOException {
        return switch (value) {
            case VALUE_STRING, VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getText();
            case VALUE_TRUE -> "true";
            case VALUE_FALSE -> "false";
            default -> throw new BadRequest(field, value == JsonToken.VALUE_NULL ? "null" : "a "
                    + (value == JsonToken.START_ARRAY ? "list" : "object"), "a number, a string or a boolean");
        };
    }

    private int anchorsCount(String field, String text) {
        int n;
        try {
            n = Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new BadRequest(field, text, "an integer");
        }
        if (n < 0 || n > limits.maxAnchors()) {
            throw new BadRequest(field, n, "0 <= n <= " + limits.maxAnchors() + " anchors per request (--max-anchors)");
        }
        return n;
    }

    private static boolean flag(Map<String, String> query, String name) {
        String v = query.get(name);
        if (v == null) {
            return false;
        }
        return switch (v.strip().toLowerCase(Locale.ROOT)) {
            case "", "true", "1" -> true;
            case "false", "0" -> false;
            default -> throw new BadRequest(name, v, "true or false");
        };
    }

    private void requireFinite(MemorySegment anchors, long offset, int n) {
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < dim; k++) {
                float f = anchors.get(FLOAT_LE, offset + ((long) i * dim + k) * Float.BYTES);
                if (!Float.isFinite(f)) {
                    throw new BadRequest("anchors[" + i + "][" + k + "]", f, "a finite float32");
                }
            }
        }
    }

    private int[] positives(int anchor, String[] given) {
        int[] out = new int[given.length];
        for (int j = 0; j < given.length; j++) {
            int ordinal = ids.ordinal(given[j]);
            if (ordinal < 0) {
                throw new BadRequest("positives[" + anchor + "]", given[j], "ids of the corpus served");
            }
            out[j] = ordinal;
        }
        return out;
    }

    private static String anchorId(int i, String id) {
        try {
            // Checked as the negatives store checks an id (non-empty, UTF-8 of at most 1,024 bytes, no unpaired
            // surrogate), here with the rest of the request: an id the store cannot take refuses the request
            // before anything is mined or stored.
            new StoredNegatives(new String[] {id}, new float[1], 0, 0);
        } catch (QuarryUsageException e) {
            throw new BadRequest("anchor_ids[" + i + "]", id, e.expected());
        }
        return id;
    }

    private static String utf8(byte[] bytes, int from, int length) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes, from, length)).toString();
        } catch (CharacterCodingException e) {
            throw new BadRequest("positives", "bytes that are not UTF-8", "UTF-8 lines after the vectors");
        }
    }

    /**
     * Lines, each ended by \n (a \r before it dropped); the last may omit its \n when it is not empty
     * (so an anchor without positives is always an empty line with its \n).
     */
    private static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            out.add(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
        }
        if (out.get(out.size() - 1).isEmpty()) {
            out.remove(out.size() - 1);
        }
        return out;
    }
}
