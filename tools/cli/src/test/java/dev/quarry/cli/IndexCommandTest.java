package dev.quarry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.synth.CatalogSpec;
import dev.quarry.synth.SyntheticCatalog;
import dev.quarry.testing.TestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** {@code quarry index build}, {@code index recall} and {@code mine --index FILE} as a user runs them. */
class IndexCommandTest {
    @TempDir
    static Path catalog;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeCatalog() {
        new SyntheticCatalog(new CatalogSpec(4000, 400, 16, 40, 0.5, 3, 0.05, 8)).write(catalog);
    }

    private Path build(int nlist) {
        Path index = dir.resolve("corpus.qivf");
        CliRun run = CliRun.of("index", "build", "--store", catalog.resolve("corpus.qvec"), "--nlist", nlist,
                "--output", index);
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().startsWith("wrote " + index + ": nlist=" + nlist + " (spherical k-means"), run::toString);
        assertTrue(run.err().contains("k-means iteration 10/10"), "progress on stderr: " + run);
        return index;
    }

    @Test
    void buildsMeasuresRecallAndMinesWithAnIvfIndex() throws IOException {
        Path index = build(64);
        CliRun recall = CliRun.of("index", "recall", "--store", catalog.resolve("corpus.qvec"), "--index", index,
                "--queries", catalog.resolve("queries.qvec"), "--nprobe", "1,8,64", "--k", 50);
        assertEquals(0, recall.exitCode(), recall::toString);
        assertTrue(recall.out().matches("(?s).*\\n\\s+64\\s+1\\.0000\\s.*"), "every list probed is exact: " + recall);

        Path flat = dir.resolve("flat.jsonl");
        Path ivf = dir.resolve("ivf.jsonl");
        Object[] common = {"mine", "--corpus", catalog.resolve("corpus.qvec"), "--queries",
                catalog.resolve("queries.qvec"), "--qrels", catalog.resolve("qrels.tsv"), "--range-max", 30};
        assertEquals(0, CliRun.of(concat(common, "--output", flat)).exitCode());
        CliRun mined = CliRun.of(concat(common, "--index", index, "--nprobe", 64, "--output", ivf));
        assertEquals(0, mined.exitCode(), mined::toString);
        assertTrue(mined.out().contains("(ivf nlist=64 (corpus.qivf), "), mined::toString);
        assertEquals(-1, Files.mismatch(flat, ivf), "probing every list mines exactly what exact search mines");
    }

    @Test
    void nlistAutoPrintsTheCandidatesTheChoiceAndWhyThenBuildsIt() throws IOException {
        Path index = dir.resolve("auto.qivf");
        CliRun run = CliRun.of("index", "build", "--store", catalog.resolve("corpus.qvec"), "--nlist", "auto",
                "--check-queries", catalog.resolve("queries.qvec"), "--target-recall", "0.9", "--output", index);
        assertEquals(0, run.exitCode(), run::toString);
        java.util.regex.Matcher chosen = java.util.regex.Pattern.compile("(?m)^nlist (\\d+): the least modelled work per anchor"
                + " .* mine with --nprobe (\\d+)$").matcher(run.out());
        assertTrue(chosen.find(), "the choice and why: " + run);
        String nlist = chosen.group(1);
        assertTrue(run.out().matches("(?s).*\\n\\s+" + nlist + "\\s.*<- chosen\\n.*"), "the table marks it: " + run);
        assertTrue(run.out().contains("wrote " + index + ": nlist=" + nlist + " "), run::toString);
        CliRun recall = CliRun.of("index", "recall", "--store", catalog.resolve("corpus.qvec"), "--index", index,
                "--queries", catalog.resolve("queries.qvec"), "--nprobe", chosen.group(2), "--throughput-anchors", 500);
        assertEquals(0, recall.exitCode(), recall::toString);

        CliRun word = CliRun.of("index", "build", "--store", catalog.resolve("corpus.qvec"), "--nlist", "many",
                "--output", dir.resolve("w.qivf"));
        assertEquals(ExitCodes.USAGE, word.exitCode(), word::toString);
        assertTrue(word.err().contains("--nlist=many, expected a positive integer or auto"), word::toString);
        CliRun target = CliRun.of("index", "build", "--store", catalog.resolve("corpus.qvec"), "--nlist", "auto",
                "--target-recall", "1.5", "--output", dir.resolve("t.qivf"));
        assertEquals(ExitCodes.USAGE, target.exitCode(), target::toString);
        CliRun overInput = CliRun.of("index", "build", "--store", catalog.resolve("corpus.qvec"), "--nlist", "auto",
                "--output", catalog.resolve("queries.qvec"), "--check-queries", catalog.resolve("queries.qvec"));
        assertEquals(ExitCodes.DATA, overInput.exitCode(), "refused before any k-means: " + overInput);
        assertTrue(!overInput.err().contains("nlist "), "nothing was trained: " + overInput);
    }

    @Test
    void aProbeMarginOfZeroMinesWhatOneListMinesAndTheRecallTableShowsTheListsProbed() throws IOException {
        Path index = build(64);
        Object[] common = {"mine", "--corpus", catalog.resolve("corpus.qvec"), "--queries",
                catalog.resolve("queries.qvec"), "--qrels", catalog.resolve("qrels.tsv"), "--range-max", 30,
                "--index", index};
        Path one = dir.resolve("one.jsonl");
        Path margin = dir.resolve("margin.jsonl");
        assertEquals(0, CliRun.of(concat(common, "--nprobe", 1, "--output", one)).exitCode());
        CliRun mined = CliRun.of(concat(common, "--nprobe", 8, "--probe-margin", 0, "--output", margin));
        assertEquals(0, mined.exitCode(), mined::toString);
        assertEquals(-1, Files.mismatch(one, margin), "margin 0 probes each anchor's best list only");

        CliRun negative = CliRun.of(concat(common, "--nprobe", 8, "--probe-margin", -0.1, "--output",
                dir.resolve("n.jsonl")));
        assertEquals(ExitCodes.USAGE, negative.exitCode(), negative::toString);
        assertTrue(negative.err().contains("--probe-margin=-0.1, expected >= 0"), negative::toString);

        // without an index there are no lists to choose: refused, not ignored ("off" is what any options file says)
        Object[] flat = java.util.Arrays.copyOf(common, common.length - 2);
        for (Object[] probing : new Object[][] {{"--probe-margin", 0.05}, {"--nprobe", 2}}) {
            CliRun ignored = CliRun.of(concat(concat(flat, probing), "--output", dir.resolve("flat.jsonl")));
            assertEquals(ExitCodes.USAGE, ignored.exitCode(), ignored::toString);
            assertTrue(ignored.err().contains(probing[0] + " needs --index FILE.qivf"), ignored::toString);
            assertFalse(Files.exists(dir.resolve("flat.jsonl")));
        }
        CliRun off = CliRun.of(concat(flat, "--probe-margin", "off", "--output", dir.resolve("off.jsonl")));
        assertEquals(0, off.exitCode(), off::toString);

        CliRun recall = CliRun.of("index", "recall", "--store", catalog.resolve("corpus.qvec"), "--index", index,
                "--queries", catalog.resolve("queries.qvec"), "--nprobe", "8", "--probe-margin", "0,1000",
                "--throughput-anchors", 0);
        assertEquals(0, recall.exitCode(), recall::toString);
        // nprobe recall queries/s queries/min coarse ef margin lists/q ...
        assertTrue(recall.out().matches("(?s).*\\n\\s+8\\s+0\\.\\d{4}\\s.*\\s0\\.0\\s+1\\.000\\s.*"),
                "margin 0: one list a query: " + recall);
        assertTrue(recall.out().matches("(?s).*\\s1000\\.0\\s+8\\.000\\s.*"), "a wide margin: all 8: " + recall);
    }

    @Test
    void recallTableHasARowPerIndexAndNprobe() {
        Path a = build(16);
        Path b = dir.resolve("b.qivf");
        assertEquals(0, CliRun.of("index", "build", "--store", catalog.resolve("corpus.qvec"), "--nlist", 64,
                "--output", b).exitCode());
        CliRun recall = CliRun.of("index", "recall", "--store", catalog.resolve("corpus.qvec"), "--index", a + "," + b,
                "--queries", catalog.resolve("queries.qvec"), "--nprobe", "1,16", "--throughput-anchors", 300);
        assertEquals(0, recall.exitCode(), recall::toString);
        // One row group per index, under its description; rows start with nprobe and recall (scripts read them).
        String[] groups = recall.out().split("ivf nlist=");
        assertEquals(3, groups.length, recall::toString);
        assertTrue(groups[1].startsWith("16 (") && groups[1].matches("(?s).*\\n\\s+16\\s+1\\.0000\\s.*"),
                recall::toString);
        assertTrue(groups[2].startsWith("64 (") && groups[2].matches("(?s).*\\n\\s+1\\s+0\\.\\d{4}\\s.*"),
                recall::toString);
        assertTrue(recall.out().contains("anchors/min"), recall::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = {"int8", "pq4"})
    void recallOfAQuantizedIndexShowsTheFloat32ListsRecallBesideItsOwnForEachCoarseStage(String lists) {
        // nlist 1024: the smallest index that holds a centroid graph, so both coarse stages get rows.
        Map<String, String[]> float32 = recallRows(build(1024, "float32"));
        Map<String, String[]> int8 = recallRows(build(1024, lists));
        assertEquals(float32.keySet(), int8.keySet());
        assertTrue(int8.containsKey("4 exact") && int8.containsKey("4 graph"), int8::toString);
        for (Map.Entry<String, String[]> row : int8.entrySet()) {
            String[] f = float32.get(row.getKey());
            String[] b = row.getValue();
            // nprobe recall queries/s queries/min coarse ef oversample rescored/q recall-f32
            assertEquals(f[1], b[8], "every probed row rescored is the float32 index, at " + row.getKey());
            assertTrue(Double.parseDouble(b[1]) <= Double.parseDouble(b[8]),
                    "rescoring fewer rows can only lose recall, at " + row.getKey());
        }
    }

    /** {@code index recall}'s rows at nprobe 1, 4 and 16 by "nprobe coarse", each split on whitespace. */
    private Map<String, String[]> recallRows(Path index) {
        CliRun recall = CliRun.of("index", "recall", "--store", catalog.resolve("corpus.qvec"), "--index", index,
                "--queries", catalog.resolve("queries.qvec"), "--nprobe", "1,4,16", "--k", 50, "--throughput-anchors", 0);
        assertEquals(0, recall.exitCode(), recall::toString);
        Map<String, String[]> rows = new TreeMap<>();
        for (String line : recall.out().split("\n")) {
            String[] f = line.trim().split("\s+");
            if (f[0].matches("\\d+")) {
                rows.put(f[0] + " " + f[4], f);
            }
        }
        assertEquals(6, rows.size(), recall::toString);
        return rows;
    }

    @Test
    void pqSubspacesThatDoNotSplitTheDimOrWithoutPq4ListsAreRefused() {
        Object[] build = {"index", "build", "--store", catalog.resolve("corpus.qvec"), "--nlist", 16, "--output",
                dir.resolve("pq.qivf")};
        CliRun odd = CliRun.of(concat(build, "--lists", "pq4", "--pq-subspaces", 7));
        assertEquals(ExitCodes.USAGE, odd.exitCode(), odd::toString);
        assertTrue(odd.err().contains("pq-subspaces=7, expected a divisor of dim="), odd::toString);
        CliRun int8 = CliRun.of(concat(build, "--lists", "int8", "--pq-subspaces", 4));
        assertEquals(ExitCodes.USAGE, int8.exitCode(), int8::toString);
        assertTrue(int8.err().contains("--pq-subspaces=4, expected only with --lists pq4"), int8::toString);
        assertFalse(Files.exists(dir.resolve("pq.qivf")));
    }

    private Path build(int nlist, String lists) {
        Path index = dir.resolve("corpus-" + nlist + "-" + lists + ".qivf");
        CliRun run = CliRun.of("index", "build", "--store", catalog.resolve("corpus.qvec"), "--nlist", nlist,
                "--lists", lists, "--output", index);
        assertEquals(0, run.exitCode(), run::toString);
        return index;
    }

    @Test
    void badIndexInputsAreExplained() throws IOException {
        Path index = build(16);
        Object[] mine = {"mine", "--corpus", catalog.resolve("corpus.qvec"), "--queries",
                catalog.resolve("queries.qvec"), "--qrels", catalog.resolve("qrels.tsv"), "--output",
                dir.resolve("m.jsonl"), "--index", index};
        CliRun tooMany = CliRun.of(concat(mine, "--nprobe", 17));
        assertEquals(ExitCodes.USAGE, tooMany.exitCode(), tooMany::toString);
        assertTrue(tooMany.err().contains("--nprobe=17, expected 1 <= --nprobe <= nlist=16"), tooMany::toString);
        CliRun zero = CliRun.of(concat(mine, "--nprobe", 0));
        assertEquals(ExitCodes.USAGE, zero.exitCode(), zero::toString);

        CliRun flatProbe = CliRun.of("mine", "--corpus", catalog.resolve("corpus.qvec"), "--qrels",
                catalog.resolve("qrels.tsv"), "--output", dir.resolve("f.jsonl"), "--nprobe", 4);
        assertEquals(ExitCodes.USAGE, flatProbe.exitCode(), flatProbe::toString);

        TestFiles.poke(index, 20, 1); // count field: the header CRC no longer matches
        CliRun corrupt = CliRun.of(mine);
        assertEquals(ExitCodes.DATA, corrupt.exitCode(), corrupt::toString);
        assertTrue(corrupt.err().startsWith("quarry: " + index + ": header crc="), corrupt::toString);

        CliRun tooManyLists = CliRun.of("index", "build", "--store", catalog.resolve("queries.qvec"), "--nlist", 401,
                "--output", dir.resolve("q.qivf"));
        assertEquals(ExitCodes.USAGE, tooManyLists.exitCode(), tooManyLists::toString);
        assertTrue(tooManyLists.err().contains("--nlist=401, expected at most the number of vectors (400"),
                tooManyLists::toString);

        Path other = build(16);
        CliRun foreign = CliRun.of("index", "recall", "--store", catalog.resolve("queries.qvec"), "--index", other);
        assertEquals(ExitCodes.DATA, foreign.exitCode(), foreign::toString);
        assertTrue(foreign.err().contains("built from=a store of count=4"), foreign::toString);
    }

    private static Object[] concat(Object[] head, Object... tail) {
        Object[] all = new Object[head.length + tail.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }
}
