package dev.quarry.eval.audit;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import com.fasterxml.jackson.databind.SequenceWriter;
import dev.quarry.QuarryDataException;
import dev.quarry.Seeds;
import dev.quarry.files.AtomicOutput;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Review sheets: a seeded sample of mined negatives for people to mark ({@code relevant} = would this
 * "negative" answer the anchor?), and the false-negative rate estimated from the marks with a 95%
 * Wilson interval and a verdict against the 5% threshold of the practice.
 *
 * <p>The sample is stratified by rank (ranks {@code [0, 10)}, {@code [10, 30)}, {@code [30, 100)},
 * {@code 100+}; list position when the file has no ranks) with proportional allocation, so it is
 * self-weighting: the plain share of marked rows estimates the set's rate, and every rank range is
 * seen.
 */
public final class ReviewSheet {
    /** The threshold of the practice: above 5% relevant, the set has too many false negatives. */
    public static final double THRESHOLD = 0.05;
    private static final int[] STRATA = {0, 10, 30, 100};
    private static final List<String> COLUMNS = List.of("row", "anchor_id", "negative_id", "anchor", "positive",
            "negative", "score", "rank", "relevant");

    private ReviewSheet() {
    }

    /**
     * One sampled negative: its ids (to act on the marks) and the texts reviewers read.
     *
     * @param anchorId the anchor's id, or null when the set names it by a text found in no text file
     * @param negativeId the negative's id, or null likewise
     * @param rank its rank among the anchor's search results, or -1 when unknown
     */
    public record Row(int row, String anchorId, String negativeId, String anchor, String positive, String negative,
                      float score, int rank) {
    }

    /**
     * Samples {@code n} negatives (all when fewer), seeded; the names give the texts reviewers read and
     * the ids kept beside them.
     */
    public static List<Row> sample(List<AuditedAnchor> anchors, int n, long seed, ValueNames anchorNames,
                                   ValueNames docNames) {
        // Strata hold (anchor, negative) positions; rows are only built for the picked ones.
        List<List<Long>> strata = new ArrayList<>();
        for (int s = 0; s < STRATA.length; s++) {
            strata.add(new ArrayList<>());
        }
        long total = 0;
        for (int a = 0; a < anchors.size(); a++) {
            int[] ranks = anchors.get(a).negativeRanks();
            for (int i = 0; i < ranks.length; i++) {
                strata.get(stratum(ranks[i] >= 0 ? ranks[i] : i)).add((long) a << 32 | i);
                total++;
            }
        }
        long[] take = allocate(strata, Math.min(n, total), total);
        SplittableRandom random = Seeds.random(seed, 0x5E71E3L);
        List<Row> rows = new ArrayList<>();
        for (int s = 0; s < strata.size(); s++) {
            List<Long> positions = strata.get(s);
            for (int i = 0; i < take[s]; i++) { // a partial Fisher-Yates shuffle: the first take[s] are the sample
                Collections.swap(positions, i, i + random.nextInt(positions.size() - i));
                AuditedAnchor a = anchors.get((int) (positions.get(i) >>> 32));
                int neg = (int) (long) positions.get(i);
                String negative = a.negatives().get(neg);
                rows.add(new Row(rows.size() + 1, anchorNames.id(a.anchor()), docNames.id(negative),
                        anchorNames.text(a.anchor()), a.positives().isEmpty() ? "" : docNames.text(a.positives()
                        .getFirst()), docNames.text(negative), a.negativeScores()[neg], a.negativeRanks()[neg]));
            }
        }
        return rows;
    }

    /** Proportional allocation of {@code want} rows to the strata by largest remainder: shares sum to {@code want}. */
    private static long[] allocate(List<? extends List<?>> strata, long want, long total) {
        long[] take = new long[strata.size()];
        double[] remainder = new double[strata.size()];
        long given = 0;
        for (int s = 0; s < strata.size(); s++) {
            double exact = total == 0 ? 0 : (double) want * strata.get(s).size() / total;
            take[s] = (long) Math.floor(exact);
            remainder[s] = exact - take[s];
            given += take[s];
        }
        while (given < want) {
            int best = 0;
            for (int s = 1; s < strata.size(); s++) {
                if (remainder[s] > remainder[best]) {
                    best = s;
                }
            }
            take[best]++;
            remainder[best] = -1;
            given++;
        }
        return take;
    }

    private static int stratum(int rank) {
        for (int s = STRATA.length - 1; s >= 0; s--) {
            if (rank >= STRATA[s]) {
                return s;
            }
        }
        return 0;
    }

    /** Writes the sheet as CSV (for spreadsheets) and JSONL, with an empty {@code relevant} column. */
    public static void write(List<Row> rows, Path csv, Path jsonl) {
        CsvMapper mapper = new CsvMapper();
        mapper.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false); // AtomicOutput still syncs and renames
        CsvSchema schema = CsvSchema.builder().addColumns(COLUMNS, CsvSchema.ColumnType.STRING).build().withHeader();
        try (AtomicOutput out = AtomicOutput.create(csv)) {
            OutputStream stream = Channels.newOutputStream(out.channel());
            try (SequenceWriter writer = mapper.writerFor(List.class).with(schema).writeValues(stream)) {
                for (Row r : rows) {
                    writer.write(List.of(Integer.toString(r.row()), cell(r.anchorId()), cell(r.negativeId()),
                            cell(r.anchor()), cell(r.positive()), cell(r.negative()),
                            Float.isNaN(r.score()) ? "" : Float.toString(r.score()),
                            r.rank() < 0 ? "" : Integer.toString(r.rank()), ""));
                }
            }
            out.commit();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + csv, e);
        }
        JsonFactory json = JsonFactory.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
                .build();
        try (AtomicOutput out = AtomicOutput.create(jsonl)) {
            try (JsonGenerator g = json.createGenerator(Channels.newOutputStream(out.channel()), JsonEncoding.UTF8)) {
                g.setRootValueSeparator(null);
                for (Row r : rows) {
                    g.writeStartObject();
                    g.writeNumberField("row", r.row());
                    g.writeStringField("anchor_id", r.anchorId());
                    g.writeStringField("negative_id", r.negativeId());
                    g.writeStringField("anchor", r.anchor());
                    g.writeStringField("positive", r.positive());
                    g.writeStringField("negative", r.negative());
                    if (Float.isNaN(r.score())) {
                        g.writeNullField("score");
                    } else {
                        g.writeNumberField("score", r.score());
                    }
                    if (r.rank() < 0) {
                        g.writeNullField("rank");
                    } else {
                        g.writeNumberField("rank", r.rank());
                    }
                    g.writeNullField("relevant");
                    g.writeEndObject();
                    g.writeRaw('\n');
                }
            }
            out.commit();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + jsonl, e);
        }
    }

    /**
     * A text as a spreadsheet cell: a leading {@code = + - @} (or tab, carriage return) would make
     * spreadsheets evaluate corpus text as a formula, so such cells start with an apostrophe, which
     * spreadsheets show as text. Null (an unknown id) is an empty cell.
     */
    static String cell(String text) {
        if (text == null || text.isEmpty()) {
            return "";
        }
        return "=+-@\t\r".indexOf(text.charAt(0)) >= 0 ? "'" + text : text;
    }

    /** The text {@link #cell} guarded. */
    static String uncell(String cell) {
        return cell != null && cell.length() > 1 && cell.charAt(0) == '\'' && "=+-@\t\r".indexOf(cell.charAt(1)) >= 0
                ? cell.substring(1) : cell;
    }

    /**
     * The estimate from a marked sheet.
     *
     * @param reviewed rows marked
     * @param relevant rows marked relevant (false negatives)
     * @param interval the 95% Wilson interval of the false-negative rate
     * @param relevantPairs the (anchor id, negative id) pairs marked relevant, when the sheet has the id columns:
     *     known positives for the next mining run
     */
    public record Estimate(long reviewed, long relevant, WilsonInterval interval, List<String[]> relevantPairs) {
        /** PASS, FAIL or INCONCLUSIVE against the 5% threshold, with the reason. */
        public String verdict() {
            if (interval.high() < THRESHOLD) {
                return "PASS: the false-negative rate is below 5% with 95% confidence";
            }
            if (interval.low() > THRESHOLD) {
                return "FAIL: the false-negative rate is above 5% with 95% confidence; tighten the defences";
            }
            return "INCONCLUSIVE: the 95% interval contains 5%; review more rows";
        }

        /** One line for the summary. */
        public String describe() {
            return String.format(Locale.ROOT, "%d of %d reviewed negatives marked relevant: false-negative rate "
                            + "%.1f%% (95%% Wilson interval %.1f%% to %.1f%%). %s", relevant, reviewed,
                    100 * interval.estimate(), 100 * interval.low(), 100 * interval.high(), verdict());
        }
    }

    /** Reads a marked CSV sheet; missing or invalid marks fail with their row numbers. */
    public static Estimate read(Path csv) {
        CsvMapper mapper = new CsvMapper().enable(CsvParser.Feature.TRIM_SPACES);
        CsvSchema schema = CsvSchema.emptySchema().withHeader();
        long reviewed = 0;
        long relevant = 0;
        List<String[]> pairs = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        List<String> invalid = new ArrayList<>();
        try (MappingIterator<Map<String, String>> it = mapper.readerFor(Map.class).with(schema).readValues(csv.toFile())) {
            it.hasNext(); // reads the header
            CsvSchema header = (CsvSchema) it.getParserSchema();
            if (header == null || header.column("relevant") == null) {
                List<String> names = new ArrayList<>();
                if (header != null) {
                    header.forEach(c -> names.add(c.getName()));
                }
                throw new QuarryDataException(csv, "header", names, "the columns of a review sheet, with 'relevant'");
            }
            int line = 1;
            while (it.hasNext()) {
                Map<String, String> row = it.next();
                line++;
                String id = row.getOrDefault("row", Integer.toString(line - 1));
                // A row that stops before the relevant column (some tools drop empty trailing cells) is unmarked.
                String mark = row.get("relevant") == null ? "" : row.get("relevant").strip().toLowerCase(Locale.ROOT);
                switch (mark) {
                    case "1", "yes", "y", "true", "relevant" -> {
                        reviewed++;
                        relevant++;
                        String anchor = uncell(row.get("anchor_id"));
                        String negative = uncell(row.get("negative_id"));
                        if (anchor != null && !anchor.isEmpty() && negative != null && !negative.isEmpty()) {
                            pairs.add(new String[] {anchor, negative});
                        }
                    }
                    case "0", "no", "n", "false", "not relevant" -> reviewed++;
                    case "" -> missing.add(id);
                    default -> invalid.add(id + " ('" + row.get("relevant") + "')");
                }
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof QuarryDataException q) {
                throw q;
            }
            throw QuarryDataException.unreadable(csv, "file", e, "a review sheet CSV");
        }
        if (!missing.isEmpty() || !invalid.isEmpty()) {
            String found = (missing.isEmpty() ? "" : "missing in rows " + list(missing))
                    + (missing.isEmpty() || invalid.isEmpty() ? "" : "; ")
                    + (invalid.isEmpty() ? "" : "invalid in rows " + list(invalid));
            throw new QuarryDataException(csv, "relevant", found, "a mark on every row: 1/0, yes/no, y/n or true/false");
        }
        if (reviewed == 0) {
            throw new QuarryDataException(csv, "rows", 0, "at least one marked row");
        }
        return new Estimate(reviewed, relevant, WilsonInterval.of(relevant, reviewed, WilsonInterval.Z95),
                List.copyOf(pairs));
    }

    /**
     * Writes the pairs marked relevant as qrels ({@code anchor<TAB>doc<TAB>1}), the format
     * {@code --known-positives} reads, so the next run never mines them again.
     */
    public static void writeRelevantPairs(List<String[]> pairs, Path tsv) {
        try (AtomicOutput out = AtomicOutput.create(tsv)) {
            OutputStream stream = Channels.newOutputStream(out.channel());
            StringBuilder text = new StringBuilder();
            for (String[] pair : pairs) {
                text.append(pair[0]).append('\t').append(pair[1]).append("\t1\n");
            }
            stream.write(text.toString().getBytes(StandardCharsets.UTF_8));
            out.commit();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + tsv, e);
        }
    }

    private static String list(List<String> rows) {
        return rows.size() <= 10 ? String.join(", ", rows)
                : String.join(", ", rows.subList(0, 10)) + " and " + (rows.size() - 10) + " more";
    }
}
