package dev.quarry.negatives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.ChildJvm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store shared by two processes at once: a child JVM ({@link StoreChild}) writes while this one reads or
 * writes too, and a writer killed with SIGKILL mid-write leaves a store that opens again with every entry it
 * had finished.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NegativesStoreProcessesTest {
    @TempDir
    Path dir;

    /** A child writing {@code count} anchors from {@code from}; it has the store open when this returns. */
    private Child start(Path store, long expectedAnchors, long from, long count, int negatives) throws IOException {
        Process p = new ProcessBuilder(ChildJvm.command("256m", StoreChild.class,
                List.of(store, expectedAnchors, from, count, negatives)))
                .redirectError(dir.resolve("child.err").toFile()).start();
        Child child = new Child(p, new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)),
                new java.io.OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8));
        String first = child.out.readLine();
        assertEquals("open recovered=false", first, this::childErrors);
        return child;
    }

    private record Child(Process process, BufferedReader out, Writer in) {
        void go() throws IOException {
            in.write("go\n");
            in.flush();
        }

        /** Ends the child's wait: it closes the store and exits. */
        int finish() throws IOException, InterruptedException {
            in.close();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS));
            return process.exitValue();
        }
    }

    @Test
    void aReaderSeesTheEntriesAWriterInAnotherProcessPuts() throws Exception {
        Path file = dir.resolve("neg.cmap");
        Child writer = start(file, 10_000, 0, 5_000, 8);
        try (NegativesStore reader = NegativesStore.open(file, 10)) {
            assertFalse(reader.recovered(), "a store another process has open is never recovered");
            writer.go();
            int checked = 0;
            String line;
            while (!(line = writer.out.readLine()).equals("done")) {
                long written = Long.parseLong(line);
                // What the writer has finished, this process reads at once.
                assertEquals(StoreChild.value(written - 1, 8), reader.get("a" + (written - 1)), line);
                checked++;
            }
            assertTrue(checked >= 5_000, "every put was reported: " + checked);
            assertEquals(5_000, reader.size());
            for (int i = 0; i < 5_000; i++) {
                assertEquals(StoreChild.value(i, 8), reader.get("a" + i));
            }
            assertEquals(0, writer.finish(), this::childErrors);
        }
        try (NegativesStore again = NegativesStore.open(file, 10)) {
            assertFalse(again.recovered(), "both processes closed the store cleanly");
            assertEquals(5_000, again.size());
        }
    }

    @Test
    void twoWritersInTwoProcessesBothLand() throws Exception {
        Path file = dir.resolve("neg.cmap");
        Child other = start(file, 10_000, 0, 5_000, 8);
        try (NegativesStore store = NegativesStore.open(file, 10)) {
            other.go();
            for (int i = 5_000; i < 10_000; i++) {
                store.put("a" + i, NegativesStoreTest.expected(i, 8));
            }
            while (!other.out.readLine().equals("done")) {
                // the other writer's progress
            }
            assertEquals(10_000, store.size());
            for (int i = 0; i < 10_000; i++) {
                assertEquals(i < 5_000 ? StoreChild.value(i, 8) : NegativesStoreTest.expected(i, 8), store.get("a" + i),
                        "a" + i);
            }
            assertEquals(0, other.finish(), this::childErrors);
        }
    }

    @Test
    void aWriterKilledMidWriteLeavesEveryEntryItFinished() throws Exception {
        Path file = dir.resolve("neg.cmap");
        // 256 negatives an entry (about 4 KB), written as fast as the child can, so that the kill likely lands
        // inside a put (recovery then finds the segment lock the child held); the store (40 MB, room for about
        // 200 MB with extra tiers) does not fill before the kill.
        Child writer = start(file, 200_000, 0, 40_000, 256);
        writer.go();
        String line;
        long reported = 0;
        while (reported < 2_000 && (line = writer.out.readLine()) != null && !line.equals("done")) {
            reported = Long.parseLong(line);
        }
        Thread.sleep(5); // the kill lands anywhere in the child's loop, not just after the print this thread woke on
        // SIGKILL (no shutdown hook, no close), through the process handle: Process.destroyForcibly would also close
        // the pipe, and the lines the child printed before dying are the count it finished.
        writer.process.toHandle().destroyForcibly();
        assertTrue(writer.process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(137, writer.process.exitValue(), "killed by SIGKILL");
        while ((line = writer.out.readLine()) != null) { // what it printed before dying
            assertFalse(line.equals("done"), "the writer was killed before it finished");
            reported = Long.parseLong(line);
        }
        assertTrue(reported >= 2_000, "killed mid-run: " + reported);

        try (NegativesStore store = NegativesStore.open(file, 10)) {
            assertTrue(store.recovered(), "the first open after a writer died with the store open recovers it");
            long size = store.size();
            assertTrue(store.recovery().startsWith(String.format("recovered after a process died with it open: kept %,d"
                    + " entries (0 when Quarry last opened or closed it; ", size)), store.recovery());
            assertTrue(size == reported || size == reported + 1, "every reported put, and at most the one in flight: "
                    + size + " entries, " + reported + " reported");
            for (long i = 0; i < size; i++) {
                assertEquals(StoreChild.value(i, 256), store.get("a" + i), "a" + i);
            }
            store.put("after", NegativesStoreTest.expected(7, 3)); // every segment is writable again
            assertEquals(NegativesStoreTest.expected(7, 3), store.get("after"));
        }
        try (NegativesStore store = NegativesStore.open(file, 10)) {
            assertFalse(store.recovered(), "recovered once; closed cleanly since");
        }
    }

    private String childErrors() {
        try {
            return Files.readString(dir.resolve("child.err"));
        } catch (IOException e) {
            return e.toString();
        }
    }
}
