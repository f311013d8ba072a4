package dev.quarry.eval.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.quarry.QuarryDataException;
import dev.quarry.files.UserFiles;
import dev.quarry.io.OutputFormat;
import dev.quarry.labels.IdMap;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Reads a mined set back in any of Quarry's output formats, detected from the file: npy by name
 * ({@code NAME.ids.npy} with {@code NAME.scores.npy} and {@code NAME.anchors.npy} beside it), JSONL by
 * the keys of its first line. Lines of the same anchor (triplet, n-tuple, labeled-pair) are merged
 * into one {@link AuditedAnchor}, consecutive or not.
 */
public final class MinedSetReader {
    private static final JsonFactory JSON = new JsonFactory();
    private static final String FORMATS = "triplet, n-tuple, labeled-pair, labeled-list, flag (JSONL written by "
            + "quarry mine) or npy (NAME.ids.npy with NAME.scores.npy and NAME.anchors.npy)";

    private MinedSetReader() {
    }

    /** The anchors of the file, in order of first appearance, and the detected format. */
    public record MinedSet(OutputFormat format, List<AuditedAnchor> anchors) {

        /**
         * For an npy set, whose values are row numbers, the same set named by the stores' ids, so that it
         * meets qrels, truth files and texts; other formats already hold ids and come back as they are.
         */
        public MinedSet withStoreIds(Path file, IdMap queryIds, IdMap docIds) {
            if (format != OutputFormat.NPY) {
                return this;
            }
            return new MinedSet(format, anchors.stream().map(a -> a.renamed(
                    row -> storeId(file, "anchors.npy", row, queryIds), row -> storeId(file, "ids.npy", row, docIds)))
                    .toList());
        }

        /**
         * For a set of texts, the same set with each value that is a row's text (or id) named by that row's id,
         * through {@code anchorNames} and {@code docNames} (null: left as they are); a value that is neither stays.
         */
        public MinedSet withIdsOf(ValueNames anchorNames, ValueNames docNames) {
            return new MinedSet(format, anchors.stream().map(a -> a.renamed(idOr(anchorNames), idOr(docNames)))
                    .toList());
        }

        private static UnaryOperator<String> idOr(ValueNames names) {
            return value -> {
                String id = names == null ? null : names.id(value);
                return id == null ? value : id;
            };
        }

        /** Anchors listed without positives (npy sets) get them from {@code positives}, by anchor id. */
        public MinedSet withPositives(Function<String, List<String>> positives) {
            return new MinedSet(format, anchors.stream().map(a -> a.positives().isEmpty()
                    ? a.withPositives(positives.apply(a.anchor())) : a).toList());
        }

        private static String storeId(Path file, String field, String row, IdMap ids) {
            long r = Long.parseLong(row);
            if (r < 0 || r >= ids.size()) {
                throw new QuarryDataException(file, field, row, "row numbers below " + ids.size()
                        + ", the rows of the store it was mined from");
            }
            return ids.id((int) r);
        }
    }

    /** Reads {@code file}. */
    public static MinedSet read(Path file) {
        String name = file.getFileName().toString();
        if (name.endsWith(".npy")) {
            return npy(file);
        }
        UserFiles.requireInput(file);
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            Map<String, Builder> anchors = new LinkedHashMap<>();
            OutputFormat format = null;
            long lineNo = 0;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                Map<String, Object> obj = parse(file, lineNo, line);
                if (format == null) {
                    format = detect(file, lineNo, obj);
                }
                add(file, lineNo, format, obj, anchors);
            }
            if (format == null) {
                throw new QuarryDataException(file, "content", "empty", "a mined set: " + FORMATS);
            }
            List<AuditedAnchor> out = new ArrayList<>();
            for (Builder b : anchors.values()) {
                out.add(b.build());
            }
            return new MinedSet(format, out);
        } catch (IOException e) {
            throw QuarryDataException.unreadable(file, "file", e, "a mined set");
        }
    }

    private static OutputFormat detect(Path file, long lineNo, Map<String, Object> obj) {
        if (obj.containsKey("query") && obj.containsKey("pos") && obj.containsKey("neg")) {
            return OutputFormat.FLAG;
        }
        if (obj.containsKey("anchor") && obj.containsKey("texts") && obj.containsKey("labels")) {
            return OutputFormat.LABELED_LIST;
        }
        if (obj.containsKey("anchor") && obj.containsKey("text") && obj.containsKey("label")) {
            return OutputFormat.LABELED_PAIR;
        }
        if (obj.containsKey("anchor") && obj.containsKey("positive") && obj.containsKey("negative_1")) {
            return OutputFormat.N_TUPLE;
        }
        if (obj.containsKey("anchor") && obj.containsKey("positive") && obj.containsKey("negative")) {
            return OutputFormat.TRIPLET;
        }
        throw new QuarryDataException(file, "line " + lineNo + " keys", obj.keySet(), FORMATS);
    }

    private static void add(Path file, long lineNo, OutputFormat format, Map<String, Object> o,
                            Map<String, Builder> anchors) {
        try {
            switch (format) {
                case FLAG -> {
                    Builder b = anchors.computeIfAbsent(str(o.get("query")), a -> new Builder(a, lineNo));
                    List<?> pos = (List<?>) o.get("pos");
                    List<?> posScores = (List<?>) o.get("pos_scores");
                    for (int i = 0; i < pos.size(); i++) {
                        b.positive(str(pos.get(i)), at(posScores, i));
                    }
                    List<?> neg = (List<?>) o.get("neg");
                    List<?> negScores = (List<?>) o.get("neg_scores");
                    List<?> ranks = (List<?>) o.get("negative_ranks");
                    for (int i = 0; i < neg.size(); i++) {
                        b.negative(str(neg.get(i)), at(negScores, i), rank(ranks, i));
                    }
                }
                case TRIPLET -> {
                    Builder b = anchors.computeIfAbsent(str(o.get("anchor")), a -> new Builder(a, lineNo));
                    List<?> scores = (List<?>) o.get("scores");
                    b.positive(str(o.get("positive")), at(scores, 0));
                    b.negativeOnce(str(o.get("positive")), str(o.get("negative")), at(scores, 1),
                            o.get("rank") == null ? -1 : ((Number) o.get("rank")).intValue());
                }
                case N_TUPLE -> {
                    Builder b = anchors.computeIfAbsent(str(o.get("anchor")), a -> new Builder(a, lineNo));
                    List<?> scores = (List<?>) o.get("scores");
                    List<?> ranks = (List<?>) o.get("negative_ranks");
                    String positive = str(o.get("positive"));
                    b.positive(positive, at(scores, 0));
                    for (int i = 1; o.containsKey("negative_" + i); i++) {
                        b.negativeOnce(positive, str(o.get("negative_" + i)), at(scores, i), rank(ranks, i - 1));
                    }
                }
                case LABELED_PAIR -> {
                    Builder b = anchors.computeIfAbsent(str(o.get("anchor")), a -> new Builder(a, lineNo));
                    float score = o.get("score") == null ? Float.NaN : ((Number) o.get("score")).floatValue();
                    int label = ((Number) o.get("label")).intValue();
                    if (label > 0) {
                        b.positive(str(o.get("text")), score);
                    } else {
                        b.negative(str(o.get("text")), score,
                                o.get("rank") == null ? -1 : ((Number) o.get("rank")).intValue());
                    }
                }
                case LABELED_LIST -> {
                    Builder b = anchors.computeIfAbsent(str(o.get("anchor")), a -> new Builder(a, lineNo));
                    List<?> texts = (List<?>) o.get("texts");
                    List<?> labels = (List<?>) o.get("labels");
                    List<?> scores = (List<?>) o.get("scores");
                    List<?> ranks = (List<?>) o.get("negative_ranks");
                    int negIndex = 0;
                    for (int i = 0; i < texts.size(); i++) {
                        if (((Number) labels.get(i)).intValue() > 0) {
                            b.positive(str(texts.get(i)), at(scores, i));
                        } else {
                            b.negative(str(texts.get(i)), at(scores, i), rank(ranks, negIndex++));
                        }
                    }
                }
                case NPY -> throw new IllegalStateException("npy is read elsewhere");
            }
        } catch (ClassCastException | NullPointerException | IndexOutOfBoundsException e) {
            throw new QuarryDataException(file, "line " + lineNo, abbreviate(o.toString()),
                    "a " + format.cliName() + " line as quarry mine writes it", e);
        }
    }

    private static String str(Object o) {
        if (o == null) {
            throw new NullPointerException("missing value");
        }
        return o.toString();
    }

    private static float at(List<?> values, int i) {
        if (values == null || i >= values.size() || values.get(i) == null) {
            return Float.NaN;
        }
        return ((Number) values.get(i)).floatValue();
    }

    private static int rank(List<?> ranks, int i) {
        return ranks == null || i >= ranks.size() ? -1 : ((Number) ranks.get(i)).intValue();
    }

    private static Map<String, Object> parse(Path file, long lineNo, String line) {
        try (JsonParser p = JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new QuarryDataException(file, "line " + lineNo, abbreviate(line), "a JSON object: " + FORMATS);
            }
            return object(p);
        } catch (JsonProcessingException e) {
            throw QuarryDataException.json(file, "line " + lineNo, line, e, true, "JSON lines: " + FORMATS);
        } catch (IOException e) {
            throw new QuarryDataException(file, "line " + lineNo, abbreviate(line), "JSON lines", e);
        }
    }

    private static Map<String, Object> object(JsonParser p) throws IOException {
        Map<String, Object> map = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            map.put(key, value(p, p.nextToken()));
        }
        return map;
    }

    private static Object value(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                    list.add(value(p, e));
                }
                yield list;
            }
            case START_OBJECT -> object(p);
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getNumberValue();
            case VALUE_NULL -> null;
            case VALUE_TRUE -> true;
            case VALUE_FALSE -> false;
            default -> p.getText();
        };
    }

    private static MinedSet npy(Path file) {
        String name = file.getFileName().toString();
        String base = name.endsWith(".ids.npy") ? name.substring(0, name.length() - 8)
                : name.substring(0, name.length() - 4);
        Path ids = file.resolveSibling(base + ".ids.npy");
        Path scores = file.resolveSibling(base + ".scores.npy");
        Path anchors = file.resolveSibling(base + ".anchors.npy");
        int[][] idRows = NpyArrays.ints(ids);
        float[][] scoreRows = NpyArrays.floats(scores);
        int[][] anchorRows = NpyArrays.ints(anchors);
        int width = idRows.length == 0 ? 0 : idRows[0].length;
        int scoreWidth = scoreRows.length == 0 ? width : scoreRows[0].length;
        if (scoreRows.length != idRows.length || scoreWidth != width) {
            throw new QuarryDataException(scores, "shape", "[" + scoreRows.length + ", " + scoreWidth + "]",
                    "[" + idRows.length + ", " + width + "], the shape of " + ids.getFileName());
        }
        if (anchorRows.length != idRows.length || anchorRows.length > 0 && anchorRows[0].length != 1) {
            throw new QuarryDataException(anchors, "shape", "[" + anchorRows.length + ", " + (anchorRows.length == 0
                    ? 0 : anchorRows[0].length) + "]", "[" + idRows.length + "], one anchor row per row of "
                    + ids.getFileName());
        }
        List<AuditedAnchor> out = new ArrayList<>();
        for (int r = 0; r < idRows.length; r++) {
            if (anchorRows[r][0] < 0) {
                throw new QuarryDataException(anchors, "row " + r, anchorRows[r][0], "a row number >= 0");
            }
            Builder b = new Builder(Integer.toString(anchorRows[r][0]), r);
            for (int i = 0; i < idRows[r].length; i++) {
                if (idRows[r][i] < -1) {
                    throw new QuarryDataException(ids, "row " + r, idRows[r][i], "row numbers >= 0, or -1 for padding");
                }
                if (idRows[r][i] >= 0) {
                    b.negative(Integer.toString(idRows[r][i]), scoreRows[r][i], -1);
                }
            }
            out.add(b.build());
        }
        return new MinedSet(OutputFormat.NPY, out);
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    /** Collects an anchor's lines. */
    private static final class Builder {
        private final String anchor;
        private final long line;
        private final List<String> positives = new ArrayList<>();
        private final List<Float> positiveScores = new ArrayList<>();
        private final List<String> negatives = new ArrayList<>();
        private final List<Float> negativeScores = new ArrayList<>();
        private final List<Integer> ranks = new ArrayList<>();
        private String firstPositive;

        Builder(String anchor, long line) {
            this.anchor = anchor;
            this.line = line;
        }

        void positive(String p, float score) {
            if (!positives.contains(p)) {
                positives.add(p);
                positiveScores.add(score);
            }
        }

        void negative(String n, float score, int rank) {
            negatives.add(n);
            negativeScores.add(score);
            ranks.add(rank);
        }

        /**
         * A negative of a per-positive format (triplet, n-tuple): Quarry repeats the anchor's
         * negatives for each positive, so only the first positive's lines count; a negative
         * repeated within one positive's lines is a real repeat and is kept.
         */
        void negativeOnce(String positive, String n, float score, int rank) {
            if (firstPositive == null) {
                firstPositive = positive;
            }
            if (positive.equals(firstPositive)) {
                negative(n, score, rank);
            }
        }

        AuditedAnchor build() {
            float[] ps = new float[positiveScores.size()];
            for (int i = 0; i < ps.length; i++) {
                ps[i] = positiveScores.get(i);
            }
            float[] ns = new float[negativeScores.size()];
            int[] rs = new int[ranks.size()];
            for (int i = 0; i < ns.length; i++) {
                ns[i] = negativeScores.get(i);
                rs[i] = ranks.get(i);
            }
            int[] unknown = new int[ps.length];
            Arrays.fill(unknown, -1); // mined files carry negatives' ranks only
            return new AuditedAnchor(anchor, List.copyOf(positives), ps, unknown, List.copyOf(negatives), ns, rs,
                    line);
        }
    }
}
