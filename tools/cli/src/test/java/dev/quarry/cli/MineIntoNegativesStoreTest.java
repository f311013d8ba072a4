package dev.quarry.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.negatives.NegativesStore;
import dev.quarry.negatives.StoredNegatives;
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

/** {@code quarry mine --negatives-store}: the batch run fills the store a server and trainers read. */
class MineIntoNegativesStoreTest {
    private static final Pattern FIELD = Pattern.compile("\"(anchor|negative_\\d+)\":\"([^\"]*)\"");

    @TempDir
    static Path catalog;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeCatalog() {
        new SyntheticCatalog(new CatalogSpec(1500, 200, 16, 20, 0.5, 3, 0.05, 5)).write(catalog);
    }

    private static List<Object> mine(Path output, Path store) {
        return new ArrayList<>(List.of("mine", "--corpus", catalog.resolve("corpus.qvec"), "--queries",
                catalog.resolve("queries.qvec"), "--qrels", catalog.resolve("qrels.tsv"), "--output", output,
                "--output-format", "n-tuple", "--num-negatives", 4, "--negatives-store", store));
    }

    @Test
    void everyMinedAnchorIsInTheStoreWithTheNegativesOfTheOutput() throws IOException {
        Path out = dir.resolve("mined.jsonl");
        Path storeFile = dir.resolve("negatives.cmap");
        CliRun run = CliRun.of(mine(out, storeFile).toArray());
        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().contains("negatives store " + storeFile), run::toString);
        Set<String> anchors = new HashSet<>();
        try (NegativesStore store = NegativesStore.open(storeFile, 1)) {
            for (String line : Files.readAllLines(out)) {
                Matcher field = FIELD.matcher(line);
                String anchor = null;
                List<String> written = new ArrayList<>();
                while (field.find()) {
                    if (field.group(1).equals("anchor")) {
                        anchor = field.group(2);
                    } else {
                        written.add(field.group(2));
                    }
                }
                assertNotNull(anchor, line);
                assertEquals(4, written.size(), line);
                anchors.add(anchor);
                StoredNegatives stored = store.get(anchor);
                assertNotNull(stored, "anchor " + anchor + " is in the store");
                assertArrayEquals(written.toArray(String[]::new), stored.ids(), "anchor " + anchor);
                assertEquals(stored.ids().length, stored.scores().length);
                assertEquals(0, stored.indexVersion());
            }
            // anchors with fewer negatives than asked have no n-tuple line but are stored all the same
            assertTrue(store.size() >= anchors.size() && store.size() <= 200, "size " + store.size());
        }
    }

    @Test
    void aSecondRunUpdatesTheSameStoreInPlace() {
        Path storeFile = dir.resolve("negatives.cmap");
        assertEquals(0, CliRun.of(mine(dir.resolve("a.jsonl"), storeFile).toArray()).exitCode());
        List<Object> second = mine(dir.resolve("b.jsonl"), storeFile);
        second.addAll(List.of("--range-min", 0));
        CliRun run = CliRun.of(second.toArray());
        assertEquals(0, run.exitCode(), run::toString);
        try (NegativesStore store = NegativesStore.open(storeFile, 1)) {
            assertTrue(store.size() > 0 && store.size() <= 200, "size " + store.size());
        }
    }

    @Test
    void aStoreThatIsAnInputIsRefusedAndLeftAlone() throws IOException {
        Path qrels = catalog.resolve("qrels.tsv");
        byte[] before = Files.readAllBytes(qrels);
        CliRun run = CliRun.of(mine(dir.resolve("mined.jsonl"), qrels).toArray());
        assertEquals(ExitCodes.DATA, run.exitCode(), run::toString);
        assertTrue(run.err().contains("the same file as the input qrels"), run::toString);
        assertArrayEquals(before, Files.readAllBytes(qrels));
    }

    @Test
    void aStoreThatIsTheRunsOutputIsRefused() {
        Path out = dir.resolve("mined.jsonl");
        CliRun run = CliRun.of(mine(out, out).toArray());
        assertEquals(ExitCodes.DATA, run.exitCode(), run::toString);
        assertTrue(run.err().contains("also an output of the run"), run::toString);
    }

    @Test
    void aFileThatIsNotAStoreIsRefusedNamingIt() throws IOException {
        Path notAStore = Files.writeString(dir.resolve("notes.txt"), "not a store\n".repeat(100));
        CliRun run = CliRun.of(mine(dir.resolve("mined.jsonl"), notAStore).toArray());
        assertEquals(ExitCodes.DATA, run.exitCode(), run::toString);
        assertTrue(run.err().contains(notAStore.toString()), run::toString);
        assertEquals("not a store\n".repeat(100), Files.readString(notAStore));
    }
}
