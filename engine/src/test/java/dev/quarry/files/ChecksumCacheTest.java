package dev.quarry.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.QuarryDataException;
import dev.quarry.testing.TestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A body checked once is trusted again only while the file keeps its stamp: an unchanged file is not read
 * again (counted), a file rewritten in place with the same size and mtime is read again and its damage found,
 * and nothing is kept for a file that was changing, nor in place of a user's own file.
 */
class ChecksumCacheTest {
    @TempDir
    Path dir;

    private Path file;
    private long recorded;
    private final AtomicInteger reads = new AtomicInteger();

    @BeforeEach
    void writeFile() throws IOException {
        byte[] bytes = new byte[64 * 1024];
        new Random(7).nextBytes(bytes);
        file = Files.write(dir.resolve("lists.qivf"), bytes);
        recorded = ContentChecksum.ofFile(file);
    }

    /** The whole file read and summed, counted. */
    private LongSupplier body() {
        return () -> {
            reads.incrementAndGet();
            return ContentChecksum.ofFile(file);
        };
    }

    private boolean check() throws IOException {
        return ChecksumCache.checkBody(file, FileStamp.of(file), recorded, body(), "the body", "rebuild it");
    }

    @Test
    void anUnchangedFileIsReadOnceThenTrustedByItsStamp() throws IOException {
        TestFiles.awaitSettled(file);
        assertTrue(check(), "the first open reads the body");
        assertFalse(check(), "a later open reads nothing");
        assertFalse(check());
        assertEquals(1, reads.get());
        assertTrue(Files.isRegularFile(ChecksumCache.besideOf(file)), "kept beside the file");
    }

    @Test
    void aFileRewrittenInPlaceWithTheSameSizeAndMtimeIsReadAgainAndItsDamageFound() throws IOException {
        TestFiles.awaitSettled(file);
        check();
        long size = Files.size(file);
        var mtime = Files.getLastModifiedTime(file);
        TestFiles.flipKeepingMtime(file, 1000);
        assertEquals(size, Files.size(file));
        assertEquals(mtime, Files.getLastModifiedTime(file));
        QuarryDataException e = assertThrows(QuarryDataException.class, this::check);
        assertTrue(e.getMessage().contains("footer checksum=" + ContentChecksum.hex(recorded)), e.getMessage());
        assertEquals(2, reads.get(), "the rewrite was read again");
        assertThrows(QuarryDataException.class, this::check, "a failed check keeps nothing");
        assertEquals(3, reads.get());
    }

    @Test
    void aCopyOfTheFileAndItsEntryIsReadAgain() throws IOException {
        TestFiles.awaitSettled(file);
        check();
        Path copy = Files.copy(file, dir.resolve("copy.qivf"));
        Files.copy(ChecksumCache.besideOf(file), ChecksumCache.besideOf(copy));
        assertNull(ChecksumCache.read(copy, FileStamp.of(copy)), "another path and inode: the entry is not its own");
    }

    @Test
    void nothingIsKeptForAFileThatChangedJustBeforeItWasStamped() throws IOException {
        FileStamp now = FileStamp.of(file);
        FileStamp fresh = new FileStamp(now.text(), now.changedNanos(), now.changedNanos() + 1_000_000_000L);
        assertFalse(fresh.settled());
        ChecksumCache.write(file, fresh, recorded, Map.of());
        assertFalse(Files.exists(ChecksumCache.besideOf(file)));
        assertNull(ChecksumCache.read(file, fresh));
    }

    @Test
    void nothingIsKeptWhenTheFileChangedWhileItWasRead() throws IOException {
        FileStamp before = FileStamp.of(TestFiles.awaitSettled(file));
        TestFiles.flipKeepingMtime(file, 5);
        ChecksumCache.write(file, before, recorded, Map.of());
        assertFalse(Files.exists(ChecksumCache.besideOf(file)));
    }

    @Test
    void aUsersOwnFileOfTheEntrysNameIsLeftAloneAndTheEntryKeptInTheUsersCache() throws IOException {
        Path users = Files.writeString(ChecksumCache.besideOf(file), "my notes\n");
        TestFiles.awaitSettled(file);
        try {
            check();
            assertFalse(check());
            assertEquals(1, reads.get());
            assertEquals("my notes\n", Files.readString(users), "never replaced");
            Path kept = ChecksumCache.inUserCache(file);
            assertNotNull(kept);
            assertTrue(Files.isRegularFile(kept), kept.toString());
            ChecksumCache.forget(file);
            assertFalse(Files.exists(kept));
            assertEquals("my notes\n", Files.readString(users), "forget deletes only entries");
        } finally {
            ChecksumCache.forget(file);
        }
    }
}
