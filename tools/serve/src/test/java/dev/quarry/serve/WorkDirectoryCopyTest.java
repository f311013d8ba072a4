package dev.quarry.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The work directory's copies are written in whole chunks: every byte lands, whatever the size against the chunk. */
class WorkDirectoryCopyTest {
    private static final int CHUNK = 4096;

    @TempDir
    Path dir;

    @Test
    void aCopyHoldsEveryByteOfItsSourceAtEverySizeAroundTheChunk() throws IOException {
        Random random = new Random(23);
        for (int size : new int[] {0, 1, 7, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5, 4 * CHUNK}) {
            byte[] content = new byte[size];
            random.nextBytes(content);
            Path source = Files.write(dir.resolve("source-" + size + ".qvec"), content);
            Path copy = dir.resolve("copy-" + size + ".qvec");
            WorkDirectory.copy(source, copy, CHUNK);
            assertArrayEquals(content, Files.readAllBytes(copy), "size " + size);
            assertFalse(Files.exists(dir.resolve("copy-" + size + ".qvec.copying")), "temp left, size " + size);
        }
    }

    @Test
    void aCopyReplacesWhatWasAtItsNameWhole() throws IOException {
        Path copy = Files.write(dir.resolve("copy.qvec"), new byte[5 * CHUNK]);
        byte[] content = new byte[CHUNK + 3];
        new Random(7).nextBytes(content);
        WorkDirectory.copy(Files.write(dir.resolve("source.qvec"), content), copy, CHUNK);
        assertArrayEquals(content, Files.readAllBytes(copy));
    }
}
