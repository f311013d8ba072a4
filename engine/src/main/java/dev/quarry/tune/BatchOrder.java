package dev.quarry.tune;

import dev.quarry.Seeds;
import java.util.Arrays;
import java.util.Comparator;

/**
 * The order in which an epoch visits the examples: sorted by {@code Seeds.mix(Seeds.mix(seed, epoch), i)}
 * as a signed 64-bit number, ties by {@code i}. A function of the seed and the epoch only (no thread, no
 * random stream state), and easy to write in another language: the reference implementation in torch
 * ({@code tools/python/tests/adapter_reference.py}) visits the examples in the same order.
 */
public final class BatchOrder {
    private BatchOrder() {
    }

    /** The examples {@code 0..count-1} in epoch {@code epoch}'s order. */
    public static int[] of(int count, long seed, int epoch) {
        long epochSeed = Seeds.mix(seed, epoch);
        long[] keys = new long[count];
        for (int i = 0; i < count; i++) {
            keys[i] = Seeds.mix(epochSeed, i);
        }
        Integer[] order = new Integer[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingLong((Integer i) -> keys[i]).thenComparingInt(i -> i));
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            out[i] = order[i];
        }
        return out;
    }
}
