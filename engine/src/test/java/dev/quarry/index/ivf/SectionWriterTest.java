package dev.quarry.index.ivf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.files.ContentChecksum;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SectionWriterTest {
    private static final int BODY = 4_160; // an index header's size is not a multiple of the boundary either

    /**
     * Writes into a byte array, at most a MiB and a bit a call (short writes, as a channel may make), keeping
     * each write the writer meant: its start and end (a short write's rest, the next call, ends where it did).
     */
    private static final class Recorded implements SectionWriter.Target {
        final byte[] file;
        final List<long[]> writes = new ArrayList<>();

        Recorded(int size) {
            file = new byte[size];
        }

        @Override
        public int write(ByteBuffer bytes, long position) {
            long end = position + bytes.remaining();
            if (writes.isEmpty() || writes.getLast()[1] != end) {
                writes.add(new long[] {position, end});
            }
            int n = Math.min(bytes.remaining(), 1 << 20 | 12_345);
            bytes.get(file, (int) position, n);
            return n;
        }
    }

    @Test
    void aSectionsBytesGoOutInWritesOnTwoMebibyteBoundariesExceptItsFirstAndLast() throws Exception {
        int ints = 5_000_000; // 20 MB: several buffers' worth
        long vectorsAt = BODY + 3 * 4 + 1_000; // a gap after a short first section
        Recorded out = new Recorded((int) vectorsAt + 4 * ints);
        SectionWriter w = new SectionWriter(out, BODY);
        for (int i = 0; i < 3; i++) {
            w.room(4).putInt(-i);
        }
        w.seek(vectorsAt);
        int firstOfSection = out.writes.size();
        for (int i = 0; i < ints; i++) {
            w.room(4).putInt(i);
        }
        w.finish();
        List<long[]> section = out.writes.subList(firstOfSection, out.writes.size());
        assertTrue(section.size() > 4, "writes " + section.size());
        long start = section.getFirst()[0];
        long end = section.getLast()[1];
        assertEquals(vectorsAt, start);
        assertEquals(vectorsAt + 4L * ints, end);
        for (long[] write : section) {
            String what = "a write [" + write[0] + ", " + write[1] + ") of the section [" + start + ", " + end + ")";
            assertTrue(write[0] == start || write[0] % SectionWriter.ALIGN == 0, what + " starts off a boundary");
            assertTrue(write[1] == end || write[1] % SectionWriter.ALIGN == 0, what + " ends off a boundary");
        }
        ByteBuffer expected = ByteBuffer.allocate(out.file.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        expected.position(BODY);
        for (int i = 0; i < 3; i++) {
            expected.putInt(-i);
        }
        expected.position((int) vectorsAt);
        for (int i = 0; i < ints; i++) {
            expected.putInt(i);
        }
        assertArrayEquals(expected.array(), out.file);
    }

    @Test
    void theChecksumIsTheBodysWithItsGapsWhateverTheWritesSizes() throws Exception {
        SplittableRandom random = new SplittableRandom(7);
        byte[] first = new byte[3_001];
        byte[] second = new byte[(5 << 20) + 17];
        random.nextBytes(first);
        random.nextBytes(second);
        int gap = 777;
        Recorded out = new Recorded(BODY + first.length + gap + second.length);
        SectionWriter w = new SectionWriter(out, BODY);
        for (byte b : first) {
            w.room(1).put(b);
        }
        w.seek(BODY + first.length + gap);
        for (int i = 0; i < second.length; i += 64) {
            w.room(64).put(second, i, Math.min(64, second.length - i));
        }
        long checksum = w.finish();
        ContentChecksum body = new ContentChecksum().update(ByteBuffer.wrap(out.file, BODY, out.file.length - BODY));
        assertEquals(body.value(), checksum);
        assertArrayEquals(second, java.util.Arrays.copyOfRange(out.file, BODY + first.length + gap, out.file.length));
    }
}
