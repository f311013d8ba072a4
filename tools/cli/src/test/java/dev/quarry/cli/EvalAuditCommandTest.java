package dev.quarry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.synth.CatalogSpec;
import dev.quarry.synth.SyntheticCatalog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code quarry eval} and {@code quarry audit} end to end on a synthetic catalog with planted
 * unlabelled positives and 10% wrong labels, mined without defences so both have something to find.
 */
class EvalAuditCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path catalog;

    @TempDir
    Path dir;

    /** Anchor/doc pairs the truth file marks as relevant but unlabelled: planted copies and true positives of wrong labels. */
    private static final Set<String> UNLABELLED_RELEVANT = new HashSet<>();
    private static final Set<String> WRONG_LABELS = new HashSet<>();

    @BeforeAll
    static void writeAndMineCatalog() throws IOException {
        new SyntheticCatalog(new CatalogSpec(4000, 400, 32, 40, 0.5, 3, 0.1, 17)).write(catalog);
        for (String line : Files.readAllLines(catalog.resolve("truth.tsv"))) {
            String[] f = line.split("\t");
            if (!f[2].equals("labelled")) {
                UNLABELLED_RELEVANT.add(f[0] + "\t" + f[1]);
            }
            if (f[2].equals("mislabelled")) {
                WRONG_LABELS.add(f[0]);
            }
        }
        CliRun mined = CliRun.of("mine", "--corpus", catalog.resolve("corpus.qvec"), "--queries",
                catalog.resolve("queries.qvec"), "--qrels", catalog.resolve("qrels.tsv"), "--no-defences",
                "--num-negatives", 4, "--output-format", "flag", "--output-scores", "--output-ranks", "--output",
                catalog.resolve("mined.jsonl"));
        assertEquals(0, mined.exitCode(), mined::toString);
        CliRun index = CliRun.of("index", "build", "--store", catalog.resolve("corpus.qvec"), "--nlist", 16,
                "--output", catalog.resolve("corpus.qivf"));
        assertEquals(0, index.exitCode(), index::toString);
    }

    private static Path file(String name) {
        return catalog.resolve(name);
    }

    @Test
    void evalSweepReachesExactSearchWhenEveryListIsProbed() throws IOException {
        Path json = dir.resolve("eval.json");
        CliRun run = CliRun.of("eval", "--corpus", file("corpus.qvec"), "--queries", file("queries.qvec"), "--qrels",
                file("qrels.tsv"), "--index", file("corpus.qivf"), "--nprobe", "1,4,16", "--k", "1,10", "--json", json);
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains("400 queries with a relevant document"), run::toString);
        JsonNode evaluations = JSON.readTree(json.toFile()).get("evaluations");
        assertEquals(List.of("flat", "ivf nprobe=1", "ivf nprobe=4", "ivf nprobe=16"),
                evaluations.findValuesAsText("label"));
        JsonNode exact = evaluations.get(0).get("metrics");
        JsonNode all = evaluations.get(3).get("metrics");
        for (int k = 0; k < 2; k++) {
            for (String metric : List.of("recall", "mrr", "ndcg")) {
                assertEquals(exact.get(k).get(metric).asDouble(), all.get(k).get(metric).asDouble(), 1e-12,
                        "nprobe = nlist is exact search: " + metric);
            }
        }
        // A wrong label points at an unrelated document, so exact recall@10 cannot exceed the share of right labels.
        double recall10 = exact.get(1).get("recall").asDouble();
        assertTrue(recall10 <= 1 - WRONG_LABELS.size() / 400.0 + 1e-9 && recall10 > 0.8, "recall@10 " + recall10);
    }

    @Test
    void evalOfARunFileUsesItsRanking() throws IOException {
        Path run = Files.writeString(dir.resolve("run.trec"), "q0 Q0 x 1 2.0 m\nq0 Q0 y 2 1.0 m\nq1 Q0 z 1 1.0 m\n");
        Path qrels = Files.writeString(dir.resolve("qrels.tsv"), "q0\ty\t1\nq1\tz\t1\nq2\tz\t1\n");
        CliRun eval = CliRun.of("eval", "--run", run, "--qrels", qrels, "--k", "1,2");
        assertEquals(0, eval.exitCode(), eval::toString);
        // q0: y at rank 2; q1: z at rank 1; q2: not ranked (retrieves nothing)
        assertTrue(eval.out().contains(String.format("%-28s %6d %10.4f %10.4f %10.4f", "run run.trec", 1, 1 / 3.0,
                1 / 3.0, 1 / 3.0)), eval::toString);
        assertTrue(eval.out().contains("1 of them not ranked by the run"), eval::toString);
    }

    @Test
    void heldOutQrelsNamingNoKnownQueryFailWithWhatTheyNamed() throws IOException {
        Path qrels = Files.writeString(dir.resolve("other.tsv"), "nobody\td1\t1\nq1\tnothing\t1\n");
        CliRun run = CliRun.of("eval", "--corpus", file("corpus.qvec"), "--queries", file("queries.qvec"), "--qrels",
                qrels);
        assertEquals(3, run.exitCode(), run::toString);
        assertTrue(run.err().contains("other.tsv: queries with a relevant document=0 of 2 pairs; 1 pairs name an "
                + "unknown query (e.g. nobody"), run::toString);
        Path trec = Files.writeString(dir.resolve("run.trec"), "a Q0 x 1 1.0 m\n");
        CliRun disjoint = CliRun.of("eval", "--run", trec, "--qrels", file("qrels.tsv"));
        assertEquals(3, disjoint.exitCode(), disjoint::toString);
        assertTrue(disjoint.err().contains("queries=none of 400 ranked by"), disjoint::toString);
    }

    @Test
    void auditFindsEveryPlantedWrongLabelAndNothingElse() {
        CliRun audit = CliRun.of("audit", file("mined.jsonl"), "--truth", file("truth.tsv"), "--known-positives",
                file("qrels.tsv"));
        assertEquals(0, audit.exitCode(), audit::toString);
        assertTrue(audit.out().contains("audit of " + file("mined.jsonl") + " (flag)"), audit::toString);
        assertTrue(audit.out().contains("negatives              1,600 (4.00 per anchor)"), audit::toString);
        assertTrue(audit.out().contains("known positives        0 negatives are known positives"), audit::toString);
        Matcher m = Pattern.compile("flag vs planted noise  precision ([0-9.]+), recall ([0-9.]+) \\((\\d+) planted")
                .matcher(audit.out());
        assertTrue(m.find(), audit::toString);
        assertEquals(WRONG_LABELS.size(), Integer.parseInt(m.group(3)), audit::toString);
        assertTrue(Double.parseDouble(m.group(1)) >= 0.9 && Double.parseDouble(m.group(2)) >= 0.9, audit::toString);
    }

    @Test
    void reviewEstimateBracketsTheTrueFalseNegativeRateAndFeedsTheNextRun() throws IOException {
        Path prefix = dir.resolve("review");
        CliRun sample = CliRun.of("audit", file("mined.jsonl"), "--sample", 200, "--seed", 3, "--sheet", prefix,
                "--corpus-text", file("corpus.jsonl"), "--queries-text", file("queries.jsonl"));
        assertEquals(0, sample.exitCode(), sample::toString);
        List<String> sheet = Files.readAllLines(dir.resolve("review.csv"));
        assertEquals("row,anchor_id,negative_id,anchor,positive,negative,score,rank,relevant", sheet.getFirst());
        assertEquals(201, sheet.size());
        assertEquals(200, Files.readAllLines(dir.resolve("review.jsonl")).size());
        assertTrue(sheet.get(1).matches("1,q\\d+,d\\d+,\"query \\d+, about document \\d+\",\"document \\d+\",.*,\\d+,$"),
                sheet.get(1));

        // The reviewer: the truth file says which negatives are relevant.
        List<String> marked = new ArrayList<>(List.of(sheet.getFirst()));
        for (String row : sheet.subList(1, sheet.size())) {
            String[] f = row.split(",", 4);
            marked.add(row + (UNLABELLED_RELEVANT.contains(f[1] + "\t" + f[2]) ? "1" : "0"));
        }
        Path reviewed = Files.write(dir.resolve("marked.csv"), marked);
        CliRun read = CliRun.of("audit", file("mined.jsonl"), "--reviewed", reviewed);
        assertEquals(0, read.exitCode(), read::toString);
        Matcher m = Pattern.compile("false-negative rate ([0-9.]+)% \\(95% Wilson interval ([0-9.]+)% to ([0-9.]+)%\\)")
                .matcher(read.out());
        assertTrue(m.find(), read::toString);
        double truth = trueFalseNegativeRate(file("mined.jsonl"));
        assertTrue(truth > 0.05, "mined without defences, the set has false negatives: " + truth);
        assertTrue(Double.parseDouble(m.group(2)) / 100 <= truth && truth <= Double.parseDouble(m.group(3)) / 100,
                "the interval contains the true rate " + truth + ": " + read);
        assertTrue(read.out().contains("FAIL: the false-negative rate is above 5%"), read::toString);

        // The pairs marked relevant, as known positives, are never mined again.
        Path pairs = dir.resolve("marked.csv.relevant.tsv");
        List<String> relevant = Files.readAllLines(pairs);
        assertTrue(!relevant.isEmpty() && relevant.stream().allMatch(l -> l.endsWith("\t1")), relevant::toString);
        Path again = dir.resolve("again.jsonl");
        CliRun mine = CliRun.of("mine", "--corpus", file("corpus.qvec"), "--queries", file("queries.qvec"), "--qrels",
                file("qrels.tsv"), "--no-defences", "--num-negatives", 4, "--output-format", "flag",
                "--known-positives", pairs, "--output", again);
        assertEquals(0, mine.exitCode(), mine::toString);
        Set<String> minedAgain = pairs(again);
        for (String pair : relevant) {
            String key = pair.substring(0, pair.lastIndexOf('\t'));
            assertTrue(!minedAgain.contains(key), "mined again: " + key);
        }
    }

    private static Set<String> pairs(Path flagFile) throws IOException {
        Set<String> pairs = new HashSet<>();
        for (String line : Files.readAllLines(flagFile)) {
            JsonNode o = JSON.readTree(line);
            for (JsonNode n : o.get("neg")) {
                pairs.add(o.get("query").asText() + "\t" + n.asText());
            }
        }
        return pairs;
    }

    private static double trueFalseNegativeRate(Path flagFile) throws IOException {
        Set<String> pairs = pairs(flagFile);
        return (double) pairs.stream().filter(UNLABELLED_RELEVANT::contains).count() / pairs.size();
    }

    @Test
    void aSetMinedWithTextsAsTheReadmeMinesItIsAuditedByTheReadmesCommands() throws IOException {
        // README, "Mine your own data" then "Check a mined set before training on it", on this catalog's files.
        Path mined = dir.resolve("mined.jsonl");
        CliRun mine = CliRun.of("mine", "--corpus", file("corpus.qvec"), "--queries", file("queries.qvec"), "--qrels",
                file("qrels.tsv"), "--num-negatives", 8, "--range-min", 10, "--range-max", 100, "--output-format",
                "n-tuple", "--corpus-text", file("corpus.jsonl"), "--queries-text", file("queries.jsonl"), "--output",
                mined);
        assertEquals(0, mine.exitCode(), mine::toString);
        assertTrue(Files.readAllLines(mined).getFirst().startsWith("{\"anchor\":\"query "), "a set of texts");
        Path index = dir.resolve("corpus.qivf");
        CliRun built = CliRun.of("index", "build", "--store", file("corpus.qvec"), "--nlist", 64, "--output", index);
        assertEquals(0, built.exitCode(), built::toString);
        Path eval = dir.resolve("eval.json");
        CliRun evaluated = CliRun.of("eval", "--corpus", file("corpus.qvec"), "--queries", file("queries.qvec"),
                "--qrels", file("qrels.tsv"), "--index", index, "--nprobe", "1,4,16,64", "--k", "10,100", "--json", eval);
        assertEquals(0, evaluated.exitCode(), evaluated::toString);

        CliRun audit = CliRun.of("audit", mined, "--corpus", file("corpus.qvec"), "--queries", file("queries.qvec"),
                "--corpus-text", file("corpus.jsonl"), "--queries-text", file("queries.jsonl"), "--sample", 200,
                "--eval", eval, "--html", dir.resolve("report.html"));
        assertEquals(0, audit.exitCode(), audit::toString);
        assertFalse(audit.err().contains("name no row"), audit::toString);
        Matcher ranks = Pattern.compile("negative ranks +min (\\d+) .* max (\\d+) \\(([0-9,]+)\\)").matcher(audit.out());
        assertTrue(ranks.find(), "ranks computed from the embeddings: " + audit);
        assertTrue(Integer.parseInt(ranks.group(1)) >= 10 && Integer.parseInt(ranks.group(2)) < 100,
                "the ranks of the window the set was mined in: " + audit);
        assertTrue(audit.out().contains("positive scores        min "), audit::toString);
        List<String> sheet = Files.readAllLines(dir.resolve("mined.jsonl.review.csv"));
        assertEquals(201, sheet.size());
        assertTrue(sheet.get(1).matches("1,q\\d+,d\\d+,\"query \\d+, about document \\d+\",\"document \\d+\",.*"),
                "the sheet keeps ids and shows texts: " + sheet.get(1));

        // ... the 'relevant' column filled in, then the README's last command.
        List<String> marked = new ArrayList<>(List.of(sheet.getFirst()));
        sheet.subList(1, sheet.size()).forEach(row -> marked.add(row + "0"));
        Files.write(dir.resolve("mined.jsonl.review.csv"), marked);
        CliRun reviewed = CliRun.of("audit", mined, "--reviewed", dir.resolve("mined.jsonl.review.csv"));
        assertEquals(0, reviewed.exitCode(), reviewed::toString);
        assertTrue(reviewed.out().contains("false-negative rate 0.0%"), reviewed::toString);
    }

    @Test
    void auditRejectsUnknownFormatsAndBadMarksNamingTheProblem() throws IOException {
        Path other = Files.writeString(dir.resolve("pairs.jsonl"), "{\"q\": \"a\", \"d\": \"b\"}\n");
        CliRun unknown = CliRun.of("audit", other);
        assertEquals(3, unknown.exitCode(), unknown::toString);
        assertTrue(unknown.err().contains("pairs.jsonl: line 1 keys=[q, d], expected triplet, n-tuple, labeled-pair, "
                + "labeled-list, flag"), unknown::toString);
        Path marks = Files.writeString(dir.resolve("half.csv"), "row,anchor,negative,relevant\n1,a,b,1\n2,a,c,\n"
                + "3,a,d,2\n");
        CliRun bad = CliRun.of("audit", file("mined.jsonl"), "--reviewed", marks);
        assertEquals(3, bad.exitCode(), bad::toString);
        assertTrue(bad.err().contains("half.csv: relevant=missing in rows 2; invalid in rows 3 ('2')"), bad::toString);
    }

    @Test
    void anchorsThatNameNoRowOfTheStoresAreReportedNotScoredAsOtherRows() throws IOException {
        // Without --queries the anchors (q...) would be corpus rows: none is, whatever --queries-text names.
        CliRun none = CliRun.of("audit", file("mined.jsonl"), "--corpus", file("corpus.qvec"), "--queries-text",
                file("queries.jsonl"));
        assertEquals(3, none.exitCode(), none::toString);
        assertTrue(none.err().contains("mined.jsonl: anchors=400 of 400 anchors name no row of " + file("corpus.qvec")
                + " (e.g. q0), expected ids of the corpus rows; anchors from another store need the query store"),
                none::toString);
        // One anchor unknown to the queries: a warning, the others scored.
        List<String> lines = new ArrayList<>(Files.readAllLines(file("mined.jsonl")));
        lines.set(0, lines.getFirst().replaceFirst("\"query\":\"q\\d+\"", "\"query\":\"stranger\""));
        Path edited = Files.write(dir.resolve("edited.jsonl"), lines);
        CliRun some = CliRun.of("audit", edited, "--corpus", file("corpus.qvec"), "--queries", file("queries.qvec"));
        assertEquals(0, some.exitCode(), some::toString);
        assertTrue(some.err().contains("1 of 400 anchors name no row of " + file("queries.qvec") + " (e.g. stranger)"),
                some::toString);
    }

    @Test
    void optionsThatCannotWorkFailBeforeAnyWork() {
        CliRun eval = CliRun.of("audit", file("mined.jsonl"), "--eval", dir.resolve("eval.json"));
        assertEquals(2, eval.exitCode(), eval::toString);
        assertTrue(eval.err().contains("--eval is charted in the HTML report: add --html FILE"), eval::toString);
        CliRun nprobe = CliRun.of("eval", "--corpus", file("corpus.qvec"), "--queries", file("queries.qvec"), "--qrels",
                file("qrels.tsv"), "--index", file("corpus.qivf"), "--nprobe", "4,0");
        assertEquals(2, nprobe.exitCode(), nprobe::toString);
        assertTrue(nprobe.err().contains("--nprobe=0, expected 1 <= nprobe <= nlist=16"), nprobe::toString);
        assertTrue(nprobe.out().isEmpty(), "no evaluation ran: " + nprobe);
    }

    @Test
    void htmlReportChartsRecallAgainstNprobeFromAnEvaluation() throws IOException {
        Path json = dir.resolve("eval.json");
        assertEquals(0, CliRun.of("eval", "--corpus", file("corpus.qvec"), "--queries", file("queries.qvec"), "--qrels",
                file("qrels.tsv"), "--index", file("corpus.qivf"), "--nprobe", "1,2,8", "--json", json).exitCode());
        Path html = dir.resolve("report.html");
        CliRun audit = CliRun.of("audit", file("mined.jsonl"), "--corpus", file("corpus.qvec"), "--queries",
                file("queries.qvec"), "--eval", json, "--html", html);
        assertEquals(0, audit.exitCode(), audit::toString);
        String text = Files.readString(html);
        for (String chart : List.of("scores", "ranks", "per-anchor", "recall")) {
            assertTrue(text.contains("<svg class=\"chart\" id=\"" + chart + "\""), chart);
        }
        assertTrue(audit.out().contains("positive ranks"), "positive ranks come from the embeddings: " + audit);
    }
}
