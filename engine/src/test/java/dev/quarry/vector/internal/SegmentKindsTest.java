package dev.quarry.vector.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.quarry.vector.QueryBlock;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kernels' loops get one class of native segment whatever the caller holds, and nothing else changes. */
class SegmentKindsTest {
    private static final int DIM = 37;
    private static final int ROWS = 13;

    @TempDir
    Path dir;

    @Test
    void aMappedFileAndAnArenasMemoryReachTheLoopsAsOneClass() throws IOException {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment mapped = mapped(arena);
            MemorySegment allocated = arena.allocate(4L * DIM * ROWS, 64);
            assertNotEquals(mapped.getClass(), allocated.getClass(), "the two kinds the loops would otherwise see");
            MemorySegment uniform = SegmentKinds.uniform(mapped);
            assertEquals(allocated.getClass(), uniform.getClass());
            assertSame(allocated, SegmentKinds.uniform(allocated)); // already the plain kind: no new segment
            assertEquals(mapped.address(), uniform.address());
            assertEquals(mapped.byteSize(), uniform.byteSize());
            assertEquals(-1L, mapped.mismatch(uniform));
        }
    }

    @Test
    void theCallersArenaStillGuardsTheMemory() throws IOException {
        Arena arena = Arena.ofShared();
        MemorySegment uniform = SegmentKinds.uniform(mapped(arena));
        arena.close();
        assertThrows(IllegalStateException.class, () -> uniform.get(ValueLayout.JAVA_FLOAT, 0));
    }

    @Test
    void aHeapSegmentIsLeftAsItIs() {
        MemorySegment heap = MemorySegment.ofArray(new float[DIM]);
        assertSame(heap, SegmentKinds.uniform(heap));
    }

    @Test
    void theBlockKernelScoresAMappedFileAsTheSameRowsInMemory() throws IOException {
        QueryBlock queries = new QueryBlock(19, DIM);
        float[] q = new float[DIM];
        for (int i = 0; i < 19; i++) {
            for (int k = 0; k < DIM; k++) {
                q[k] = (float) Math.sin(7 * i + k);
            }
            queries.add(q);
        }
        for (String shape : new String[] {"wide", "narrow"}) {
            PanamaVectorKernels kernels = PanamaVectorKernels.create(shape);
            try (Arena arena = Arena.ofShared()) {
                MemorySegment mapped = mapped(arena);
                MemorySegment copy = arena.allocate(mapped.byteSize(), 64).copyFrom(mapped);
                float[] fromFile = new float[19 * ROWS];
                float[] fromMemory = new float[19 * ROWS];
                kernels.scoreBlock(queries, mapped, 0, 4L * DIM, ROWS, fromFile);
                kernels.scoreBlock(queries, copy, 0, 4L * DIM, ROWS, fromMemory);
                assertArrayEquals(fromMemory, fromFile, shape);
            }
        }
    }

    /** A read-only mapping of ROWS x DIM floats written to a file. */
    private MemorySegment mapped(Arena arena) throws IOException {
        Path file = Files.createTempFile(dir, "rows", ".bin");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MemorySegment w = ch.map(FileChannel.MapMode.READ_WRITE, 0, 4L * DIM * ROWS, arena);
            for (int i = 0; i < DIM * ROWS; i++) {
                w.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) Math.cos(i));
            }
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, 4L * DIM * ROWS, arena);
        }
    }
}
