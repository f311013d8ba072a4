package dev.quarry.negatives;

import dev.quarry.QuarryUsageException;
import java.util.Arrays;

/**
 * The negatives of one anchor as a {@link NegativesStore} keeps them: corpus ids, best first, with their
 * scores, the version of the index that mined them and when.
 *
 * <p>Bounded, so that every value fits in one entry of the store: at most {@value #MAX_NEGATIVES}
 * negatives, ids of 1 to {@value #MAX_ID_BYTES} bytes in UTF-8 (valid UTF-16: an unpaired surrogate
 * has no UTF-8 form), and at most {@value #MAX_VALUE_BYTES} bytes in all once encoded (1,024 ids of
 * up to 57 bytes). The constructor checks these bounds and throws {@link QuarryUsageException} naming
 * the field. The arrays are not copied: do not change them after building the record.
 *
 * @param ids corpus ids of the negatives, best first
 * @param scores their scores, one per id
 * @param indexVersion the version of the index the negatives were mined from (0 for a run over files)
 * @param epochMillis when they were mined, milliseconds since the epoch
 */
public record StoredNegatives(String[] ids, float[] scores, long indexVersion, long epochMillis) {
    /** Negatives one anchor may have. */
    public static final int MAX_NEGATIVES = 1024;

    /** Bytes of one id (anchor or corpus) in UTF-8. */
    public static final int MAX_ID_BYTES = 1024;

    /**
     * Bytes of one encoded value: an entry of a Chronicle Map lives in one segment tier, and the
     * smallest store ({@link NegativesStore#MIN_CAPACITY} anchors) has tiers of about 170 KiB.
     */
    public static final int MAX_VALUE_BYTES = 64 * 1024;

    /** Checks the bounds; see the class comment. */
    public StoredNegatives {
        if (ids == null || scores == null) {
            throw new QuarryUsageException(ids == null ? "ids" : "scores", "null", "an array (empty when none)");
        }
        if (ids.length != scores.length) {
            throw new QuarryUsageException("scores", scores.length + " values",
                    "one score per id (" + ids.length + " ids)");
        }
        if (ids.length > MAX_NEGATIVES) {
            throw new QuarryUsageException("ids", ids.length + " negatives", "at most " + MAX_NEGATIVES
                    + " negatives per anchor");
        }
        long bytes = NegativesCodec.FIXED_BYTES + (long) Float.BYTES * ids.length;
        for (int i = 0; i < ids.length; i++) {
            bytes += NegativesCodec.LENGTH_BYTES + checkedUtf8Length("ids[" + i + "]", ids[i]);
        }
        if (bytes > MAX_VALUE_BYTES) {
            throw new QuarryUsageException("ids", ids.length + " ids taking " + bytes + " bytes",
                    "at most " + MAX_VALUE_BYTES + " bytes of negatives per anchor (2 + id bytes + 4 per negative)");
        }
    }

    /** The negatives kept. */
    public int size() {
        return ids.length;
    }

    /**
     * The UTF-8 length of an id, checked: not null, not empty, at most {@value #MAX_ID_BYTES} bytes,
     * no unpaired surrogate. {@code field} names it in the exception.
     */
    static int checkedUtf8Length(String field, String id) {
        if (id == null) {
            throw new QuarryUsageException(field, "null", "an id");
        }
        if (id.isEmpty()) {
            throw new QuarryUsageException(field, "''", "a non-empty id");
        }
        if (id.length() > MAX_ID_BYTES) { // every char takes at least one byte
            throw new QuarryUsageException(field, quoted(id), "an id of at most " + MAX_ID_BYTES + " bytes in UTF-8");
        }
        int bytes = 0;
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < id.length()
                    && Character.isLowSurrogate(id.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new QuarryUsageException(field, quoted(id), "valid UTF-16 (an unpaired surrogate at char " + i
                        + " has no UTF-8 form)");
            } else {
                bytes += 3;
            }
        }
        if (bytes > MAX_ID_BYTES) {
            throw new QuarryUsageException(field, quoted(id), "an id of at most " + MAX_ID_BYTES
                    + " bytes in UTF-8 (it takes " + bytes + ")");
        }
        return bytes;
    }

    private static String quoted(String id) {
        return "'" + dev.quarry.QuarryDataException.printable(id) + "'";
    }

    /** Equal when every field is: ids and scores element by element (scores by their bits). */
    @Override
    public boolean equals(Object o) {
        return o instanceof StoredNegatives that && indexVersion == that.indexVersion
                && epochMillis == that.epochMillis && Arrays.equals(ids, that.ids) && Arrays.equals(scores, that.scores);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(ids) + Arrays.hashCode(scores)) + Long.hashCode(indexVersion ^ epochMillis);
    }

    @Override
    public String toString() {
        return "StoredNegatives[ids=" + Arrays.toString(ids) + ", scores=" + Arrays.toString(scores)
                + ", indexVersion=" + indexVersion + ", epochMillis=" + epochMillis + "]";
    }
}
