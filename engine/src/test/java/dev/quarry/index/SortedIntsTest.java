package dev.quarry.index;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The lower bound is the first index whose value is at least the key: the count of values below it. */
class SortedIntsTest {
    @Test
    void anEmptyArrayOrRangeGivesItsStart() {
        assertEquals(0, SortedInts.lowerBound(new int[0], 5));
        assertEquals(2, SortedInts.lowerBound(new int[] {1, 2, 3, 4}, 2, 2, 0));
    }

    @Test
    void allEqualValuesGiveTheFirstOneOrTheEnd() {
        int[] same = {7, 7, 7, 7, 7};
        assertEquals(0, SortedInts.lowerBound(same, 7));
        assertEquals(0, SortedInts.lowerBound(same, 6));
        assertEquals(5, SortedInts.lowerBound(same, 8));
        assertEquals(1, SortedInts.lowerBound(same, 1, 4, 7));
        assertEquals(4, SortedInts.lowerBound(same, 1, 4, 8));
    }

    @Test
    void aKeyThatIsNotThereGivesWhereItWouldGo() {
        int[] a = {1, 3, 5, 9};
        assertEquals(0, SortedInts.lowerBound(a, -4));
        assertEquals(1, SortedInts.lowerBound(a, 2));
        assertEquals(3, SortedInts.lowerBound(a, 6));
        assertEquals(4, SortedInts.lowerBound(a, 10));
    }

    @Test
    void theFirstAndLastValuesAreFound() {
        int[] a = {2, 4, 4, 8, 16};
        assertEquals(0, SortedInts.lowerBound(a, 2));
        assertEquals(4, SortedInts.lowerBound(a, 16));
        assertEquals(1, SortedInts.lowerBound(a, 4));
        assertEquals(3, SortedInts.lowerBound(a, 1, 5, 5));
        assertEquals(5, SortedInts.lowerBound(a, 1, 5, 17));
    }

    @Test
    void aLongKeyBeyondTheIntsIsNeverWrapped() {
        int[] a = {Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE};
        assertEquals(4, SortedInts.lowerBound(a, 1L << 32));
        assertEquals(0, SortedInts.lowerBound(a, Long.MIN_VALUE));
        assertEquals(3, SortedInts.lowerBound(a, (long) Integer.MAX_VALUE));
    }

    @Test
    void agreesWithCountingTheValuesBelowTheKeyInTheRange() {
        SplittableRandom random = new SplittableRandom(11);
        for (int trial = 0; trial < 2000; trial++) {
            int n = random.nextInt(40);
            int[] a = new int[n];
            for (int i = 0, v = random.nextInt(-5, 5); i < n; i++, v += random.nextInt(3)) {
                a[i] = v;
            }
            int from = n == 0 ? 0 : random.nextInt(n + 1);
            int to = from + random.nextInt(n - from + 1);
            long key = random.nextInt(-8, 90);
            int expected = from;
            while (expected < to && a[expected] < key) {
                expected++;
            }
            assertEquals(expected, SortedInts.lowerBound(a, from, to, key), "trial " + trial);
        }
    }
}
