package dev.quarry;

import java.util.SplittableRandom;

/**
 * Seeds mixed with an index (a row, an anchor ordinal): every random choice Quarry makes comes from
 * {@code Seeds.random(seed, index)}, never from thread timing, so results are identical whatever the
 * number of threads or the order in which blocks are processed.
 */
public final class Seeds {
    private Seeds() {
    }

    /** A well-mixed 64-bit seed for {@code index} under {@code seed} (the MurmurHash3 finalizer, twice). */
    public static long mix(long seed, long index) {
        return fmix(fmix(seed) ^ (index * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L));
    }

    /** The random stream for {@code index} under {@code seed}. */
    public static SplittableRandom random(long seed, long index) {
        return new SplittableRandom(mix(seed, index));
    }

    private static long fmix(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }
}
