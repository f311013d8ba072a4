package dev.quarry.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.QuarryDataException;
import dev.quarry.testing.TestFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A checkpoint is written framed (header, state, checksum), reads back whole, and is refused once damaged. */
class CheckpointTest {
    @TempDir
    Path dir;

    /** The valid bare JSON checkpoint of the fuzz corpus: what Quarry wrote before the framing. */
    private Path bare() throws IOException {
        try (InputStream in = CheckpointTest.class.getResourceAsStream("CheckpointFuzzTestInputs/read/valid")) {
            return Files.write(dir.resolve("bare.checkpoint"), in.readAllBytes());
        }
    }

    private Path written() throws IOException {
        Path file = dir.resolve("mined.jsonl.checkpoint");
        Checkpoint.read(bare(), 3).write(file);
        return file;
    }

    @Test
    void aWrittenCheckpointReadsBackAsTheStateItHolds() throws IOException {
        Checkpoint bare = Checkpoint.read(bare(), 3);
        Checkpoint back = Checkpoint.read(written(), 3);
        assertEquals(bare.fingerprint(), back.fingerprint());
        assertEquals(2, back.nextBlock());
        assertArrayEquals(new long[] {120, 0}, back.lengths());
        assertEquals(bare.temps(), back.temps());
        assertEquals(bare.stats().anchors(), back.stats().anchors());
        byte[] bytes = Files.readAllBytes(written());
        assertEquals("QCKP", new String(bytes, 0, 4, java.nio.charset.StandardCharsets.US_ASCII));
    }

    @Test
    void aDamagedByteInTheStateIsRefusedNamingTheFileNeverResumedFrom() throws IOException {
        Path file = written();
        String text = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1);
        TestFiles.poke(file, text.indexOf("\"next_block\" : 2") + 15, '7'); // resume at block 7: still valid JSON
        QuarryDataException e = assertThrows(QuarryDataException.class, () -> Checkpoint.read(file, 3));
        assertTrue(e.getMessage().startsWith(file + ": footer checksum=0x"), e.getMessage());
        assertTrue(e.getMessage().endsWith("(the file is damaged, or changed after it was written: run the same"
                + " command without --resume to start over)"), e.getMessage());
    }

    @Test
    void aDamagedHeaderOrFooterIsRefusedNamingTheFile() throws IOException {
        Path header = written();
        TestFiles.flip(header, 6);
        assertTrue(assertThrows(QuarryDataException.class, () -> Checkpoint.read(header, 3)).getMessage()
                .startsWith(header + ": header crc="));
        Path footer = written();
        TestFiles.flip(footer, Files.size(footer) - 1);
        assertTrue(assertThrows(QuarryDataException.class, () -> Checkpoint.read(footer, 3)).getMessage()
                .startsWith(footer + ": footer checksum="));
        Path cut = written();
        TestFiles.truncate(cut, Files.size(cut) - 20);
        assertTrue(assertThrows(QuarryDataException.class, () -> Checkpoint.read(cut, 3)).getMessage()
                .startsWith(cut + ": footer magic="));
        Path foreign = Files.writeString(dir.resolve("foreign.checkpoint"), "QVEC and then some more bytes");
        assertEquals(foreign + ": magic=\"QVEC\", expected \"QCKP\" (is this a checkpoint?)",
                assertThrows(QuarryDataException.class, () -> Checkpoint.read(foreign, 3)).getMessage());
    }
}
