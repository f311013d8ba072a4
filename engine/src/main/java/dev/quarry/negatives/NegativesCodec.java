package dev.quarry.negatives;

import java.nio.charset.StandardCharsets;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.core.pool.ClassAliasPool;
import net.openhft.chronicle.hash.serialization.SizedReader;
import net.openhft.chronicle.hash.serialization.SizedWriter;
import net.openhft.chronicle.wire.WireIn;
import net.openhft.chronicle.wire.WireOut;

/**
 * How a {@link StoredNegatives} is laid out in an entry of the store (native byte order, as the map
 * itself): the negative count (u16), the index version (i64), the time (i64), the scores (f32 each),
 * then each id as its UTF-8 length (u16) and bytes. A value of 8 ids like {@code doc123456} takes 138
 * bytes.
 *
 * <p>Chronicle Map writes the value marshaller into the file's header, and reads it back from there
 * when a store is opened: this class is that marshaller, written as {@code !QuarryNegatives
 * { formatVersion: 1 }}, under an alias so that the header names the format, not a Java class. A later
 * layout gets a new version, and {@link StoreHeader} refuses what it does not know before Chronicle
 * reads anything. Stateless, so one instance serves every thread.
 */
final class NegativesCodec implements SizedReader<StoredNegatives>, SizedWriter<StoredNegatives> {
    /** The layout above. */
    static final int FORMAT_VERSION = 1;

    /** The alias under which the header names this marshaller. */
    static final String ALIAS = "QuarryNegatives";

    /** The alias of the value class in the header. */
    static final String VALUE_ALIAS = "QuarryStoredNegatives";

    /** Count, index version and time. */
    static final int FIXED_BYTES = 2 + 8 + 8;

    /** The length before each id. */
    static final int LENGTH_BYTES = 2;

    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(
            () -> new byte[StoredNegatives.MAX_ID_BYTES]);

    static {
        ClassAliasPool.CLASS_ALIASES.addAlias(NegativesCodec.class, ALIAS);
        ClassAliasPool.CLASS_ALIASES.addAlias(StoredNegatives.class, VALUE_ALIAS);
    }

    private int formatVersion = FORMAT_VERSION;

    /** Public and without arguments: Chronicle builds the instance it reads from a header this way. */
    public NegativesCodec() {
    }

    /** Registers the aliases (the class initializer does): call before a map is created or opened. */
    static void registerAliases() {
        // The static initializer has run by the time this returns.
    }

    /** The version this instance was written with (read back from a header). */
    int formatVersion() {
        return formatVersion;
    }

    @Override
    public long size(StoredNegatives value) {
        long bytes = FIXED_BYTES + (long) Float.BYTES * value.size();
        for (String id : value.ids()) {
            bytes += LENGTH_BYTES + StoredNegatives.checkedUtf8Length("id", id);
        }
        return bytes;
    }

    @Override
    public void write(Bytes<?> out, long size, StoredNegatives value) {
        String[] ids = value.ids();
        out.writeUnsignedShort(ids.length);
        out.writeLong(value.indexVersion());
        out.writeLong(value.epochMillis());
        for (float score : value.scores()) {
            out.writeFloat(score);
        }
        for (String id : ids) {
            byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
            out.writeUnsignedShort(utf8.length);
            out.write(utf8);
        }
    }

    @Override
    public StoredNegatives read(Bytes<?> in, long size, StoredNegatives using) {
        long end = in.readPosition() + size;
        if (size < FIXED_BYTES) {
            throw new CorruptEntryException("an entry of " + size + " bytes, shorter than its fixed fields");
        }
        int count = in.readUnsignedShort();
        long indexVersion = in.readLong();
        long epochMillis = in.readLong();
        if (count > StoredNegatives.MAX_NEGATIVES || FIXED_BYTES + (long) (Float.BYTES + LENGTH_BYTES) * count > size) {
            throw new CorruptEntryException("a count of " + count + " negatives in an entry of " + size + " bytes");
        }
        float[] scores = new float[count];
        for (int i = 0; i < count; i++) {
            scores[i] = in.readFloat();
        }
        String[] ids = new String[count];
        byte[] scratch = SCRATCH.get();
        for (int i = 0; i < count; i++) {
            int length = in.readUnsignedShort();
            if (length > StoredNegatives.MAX_ID_BYTES || in.readPosition() + length > end) {
                throw new CorruptEntryException("id " + i + " of " + length + " bytes in an entry of " + size + " bytes");
            }
            in.read(scratch, 0, length);
            ids[i] = new String(scratch, 0, length, StandardCharsets.UTF_8);
        }
        if (in.readPosition() != end) {
            throw new CorruptEntryException((end - in.readPosition()) + " bytes left over after the last id");
        }
        try {
            return new StoredNegatives(ids, scores, indexVersion, epochMillis);
        } catch (IllegalArgumentException e) { // an empty id, or more bytes than a value may take
            throw new CorruptEntryException(e.getMessage());
        }
    }

    @Override
    public void writeMarshallable(WireOut wire) {
        wire.write("formatVersion").int32(formatVersion);
    }

    @Override
    public void readMarshallable(WireIn wire) {
        formatVersion = wire.read("formatVersion").int32();
    }

    /** An entry whose bytes do not follow the layout; the store names the file and the anchor. */
    static final class CorruptEntryException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CorruptEntryException(String message) {
            super(message);
        }
    }
}
