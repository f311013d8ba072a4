package dev.quarry.serve;

import dev.quarry.Seeds;
import dev.quarry.negatives.NegativesStore;
import java.nio.charset.StandardCharsets;
import org.agrona.collections.LongHashSet;

/**
 * The anchor ids a server knows were trained on: those its mine calls named ({@code anchor_ids}, or a
 * binary call's ids) and those its negatives store holds. Ids of calls are kept as 64-bit fingerprints
 * (8 bytes an anchor, not the id's text: a trainer names millions), so a held-out query could be taken for
 * a training anchor by chance with odds of about n^2 / 2^65 (n = 1 million: 3 in 100 million); never the
 * other way round. Anchors mined without ids cannot be known.
 */
final class TrainingAnchors {
    private final LongHashSet seen = new LongHashSet();
    private final NegativesStore store;

    TrainingAnchors(NegativesStore store) {
        this.store = store;
    }

    /** Records the anchor ids of a mine call. */
    void add(String[] anchorIds) {
        long[] prints = new long[anchorIds.length];
        for (int i = 0; i < prints.length; i++) {
            prints[i] = fingerprint(anchorIds[i]);
        }
        synchronized (seen) {
            for (long p : prints) {
                seen.add(p);
            }
        }
    }

    /** Whether {@code id} was trained on (named by a mine call, or in the negatives store). */
    boolean contains(String id) {
        boolean named;
        synchronized (seen) {
            named = seen.contains(fingerprint(id));
        }
        return named || (store != null && store.get(id) != null);
    }

    /** FNV-1a over the id's UTF-8 bytes, then mixed ({@link Seeds#mix}, MurmurHash3's finaliser) to spread the bits. */
    static long fingerprint(String id) {
        long h = 0xcbf29ce484222325L;
        for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return Seeds.mix(h, 0);
    }
}
