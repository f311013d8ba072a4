package dev.quarry.eval.audit;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.quarry.labels.IdMap;
import dev.quarry.testing.ParserContract;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzes {@link MinedSetReader}: JSONL mined sets (any of the formats, detected by their keys), and npy
 * sets, whose three files come from one input: a u16 (little-endian) length of {@code NAME.ids.npy},
 * a u16 length of {@code NAME.scores.npy}, those two files' bytes, then {@code NAME.anchors.npy}'s.
 * A set that reads is then named by store ids, as the audit does.
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MinedSetReaderFuzzTest {
    private static final IdMap IDS = IdMap.ordinals(10);

    @TempDir
    static Path dir;

    @FuzzTest
    void jsonl(byte[] bytes) {
        Path file = ParserContract.write(dir.resolve("mined.jsonl"), bytes);
        MinedSetReader.MinedSet set = ParserContract.resultOrDataError(() -> MinedSetReader.read(file), file);
        if (set != null) {
            ParserContract.resultOrDataError(() -> set.withStoreIds(file, IDS, IDS), file);
        }
    }

    @FuzzTest
    void npy(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int idsLength = in.remaining() >= 2 ? Short.toUnsignedInt(in.getShort()) : 0;
        int scoresLength = in.remaining() >= 2 ? Short.toUnsignedInt(in.getShort()) : 0;
        Path ids = ParserContract.write(dir.resolve("mined.ids.npy"), take(in, idsLength));
        Path scores = ParserContract.write(dir.resolve("mined.scores.npy"), take(in, scoresLength));
        Path anchors = ParserContract.write(dir.resolve("mined.anchors.npy"), take(in, in.remaining()));
        MinedSetReader.MinedSet set = ParserContract.resultOrDataError(() -> MinedSetReader.read(ids), ids, scores,
                anchors);
        if (set != null) {
            ParserContract.resultOrDataError(() -> set.withStoreIds(ids, IDS, IDS), ids);
        }
    }

    private static byte[] take(ByteBuffer in, int length) {
        byte[] out = new byte[Math.min(length, in.remaining())];
        in.get(out);
        return Arrays.copyOf(out, out.length);
    }
}
