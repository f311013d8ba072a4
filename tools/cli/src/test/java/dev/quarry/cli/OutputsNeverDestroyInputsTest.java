package dev.quarry.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.synth.CatalogSpec;
import dev.quarry.synth.SyntheticCatalog;
import dev.quarry.testing.TestFiles;
import dev.quarry.testing.TestVectors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An output path that names an input (directly, through a symbolic or hard link, or a file Quarry
 * keeps beside an input) is refused with exit 3 and the input is left byte for byte as it was; an
 * output that is a device or a FIFO is refused and stays what it was.
 */
class OutputsNeverDestroyInputsTest {
    @TempDir
    static Path catalog;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeCatalog() throws IOException {
        new SyntheticCatalog(new CatalogSpec(600, 60, 8, 6, 0.5, 2, 0.05, 3)).write(catalog);
        CliRun built = CliRun.of("index", "build", "--store", catalog.resolve("corpus.qvec"), "--nlist", 8,
                "--output", catalog.resolve("corpus.qivf"));
        assertEquals(0, built.exitCode(), built::toString);
    }

    private static List<Object> mine(Object output) {
        return new ArrayList<>(List.of("mine", "--corpus", catalog.resolve("corpus.qvec"), "--queries",
                catalog.resolve("queries.qvec"), "--qrels", catalog.resolve("qrels.tsv"), "--corpus-text",
                catalog.resolve("corpus.jsonl"), "--queries-text", catalog.resolve("queries.jsonl"), "--index",
                catalog.resolve("corpus.qivf"), "--range-max", 30, "--output", output));
    }

    /** Runs the command and checks it is refused with exit 3 naming the input, and the input unchanged. */
    private static void refusedAndUnchanged(Path input, List<Object> args, String mentions) throws IOException {
        byte[] before = Files.readAllBytes(input);
        CliRun run = CliRun.of(args.toArray());
        assertEquals(ExitCodes.DATA, run.exitCode(), run::toString);
        assertTrue(run.err().contains(mentions), run::toString);
        assertArrayEquals(before, Files.readAllBytes(input), input + " must be untouched");
    }

    @Test
    void mineRefusesEveryInputAsItsOutput() throws IOException {
        for (String name : new String[] {"qrels.tsv", "corpus.qvec", "queries.qvec", "corpus.jsonl", "queries.jsonl",
                "corpus.qivf"}) {
            Path input = catalog.resolve(name);
            refusedAndUnchanged(input, mine(input), "output=the same file as the input");
        }
        Path ids = catalog.resolve("corpus.qvec.ids");
        refusedAndUnchanged(ids, mine(ids), "the .ids file Quarry keeps beside the input corpus");
    }

    @Test
    void linksToAnInputAreTheInput() throws IOException {
        Path qrels = catalog.resolve("qrels.tsv");
        Path symlink = Files.createSymbolicLink(dir.resolve("out.jsonl"), qrels);
        refusedAndUnchanged(qrels, mine(symlink), "output=the same file as the input qrels");
        Path hardLink = Files.createLink(dir.resolve("hard.jsonl"), qrels);
        refusedAndUnchanged(qrels, mine(hardLink), "output=the same file as the input qrels");
        Path relative = catalog.resolve("sub/../qrels.tsv");
        Files.createDirectories(catalog.resolve("sub"));
        refusedAndUnchanged(qrels, mine(relative), "output=the same file as the input qrels");
    }

    @Test
    void npyOutputsAreCheckedFileByFile() throws IOException {
        // --output-format npy writes NAME.ids.npy, NAME.scores.npy and NAME.anchors.npy: each is an output.
        Path victim = Files.copy(catalog.resolve("qrels.tsv"), dir.resolve("mined.scores.npy"));
        List<Object> args = new ArrayList<>(List.of("mine", "--corpus", catalog.resolve("corpus.qvec"), "--queries",
                catalog.resolve("queries.qvec"), "--qrels", victim, "--range-max", 30, "--output-format", "npy",
                "--output", dir.resolve("mined.npy")));
        refusedAndUnchanged(victim, args, "output=the same file as the input qrels");
    }

    @Test
    void importIndexAndEvalRefuseTheirInputsAsOutputs() throws IOException {
        Path npy = TestFiles.npyF4(dir.resolve("c.npy"), TestVectors.rows(new SplittableRandom(1), 50, 8));
        refusedAndUnchanged(npy, List.of("import", "--input", npy, "--output", npy), "the same file as the input");
        Path store = catalog.resolve("corpus.qvec");
        refusedAndUnchanged(store, List.of("index", "build", "--store", store, "--nlist", 4, "--output", store),
                "the same file as the input store");
        Path qrels = catalog.resolve("qrels.tsv");
        refusedAndUnchanged(qrels, List.of("eval", "--corpus", store, "--queries", catalog.resolve("queries.qvec"),
                "--qrels", qrels, "--json", qrels), "the same file as the input qrels");
    }

    @Test
    void devicesAndFifosAreNotOutputs() throws Exception {
        Path devNull = Files.createSymbolicLink(dir.resolve("devnull"), Path.of("/dev/null"));
        CliRun run = CliRun.of(mine(devNull).toArray());
        assertEquals(ExitCodes.DATA, run.exitCode(), run::toString);
        assertTrue(run.err().contains("output=a character device"), run::toString);
        assertTrue(Files.isSymbolicLink(devNull), "the link is still there");

        Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        run = CliRun.of(mine(fifo).toArray());
        assertEquals(ExitCodes.DATA, run.exitCode(), run::toString);
        assertTrue(run.err().contains("output=a FIFO (named pipe)"), run::toString);
        assertTrue(Files.readAttributes(fifo, java.nio.file.attribute.BasicFileAttributes.class).isOther(),
                "still a FIFO");
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void fifosAsInputsAreRefusedAtOnceInsteadOfHanging() throws Exception {
        Path fifo = dir.resolve("in.fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        long start = System.nanoTime();
        for (List<Object> args : List.of(List.<Object>of("info", fifo),
                List.<Object>of("import", "--input", fifo, "--output", dir.resolve("x.qvec")),
                List.<Object>of("mine", "--corpus", fifo, "--qrels", catalog.resolve("qrels.tsv"), "--output",
                        dir.resolve("m.jsonl")),
                List.<Object>of("mine", "--corpus", catalog.resolve("corpus.qvec"), "--queries",
                        catalog.resolve("queries.qvec"), "--qrels", fifo, "--output", dir.resolve("m.jsonl")))) {
            CliRun run = CliRun.of(args.toArray());
            assertEquals(ExitCodes.DATA, run.exitCode(), run::toString);
            assertTrue(run.err().contains(fifo + ": file=a FIFO (named pipe), expected a regular file"), run::toString);
        }
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30), "no command waited on the FIFO");
    }
}
