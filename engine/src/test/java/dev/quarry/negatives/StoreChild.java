package dev.quarry.negatives;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A second process on a store, for {@link NegativesStoreProcessesTest}: opens the store, prints {@code open},
 * waits for a line on standard input, then puts anchors {@code a<FROM>} to {@code a<FROM+COUNT-1>}
 * ({@link #value} with NEGATIVES each) printing the number completed after each put,
 * prints {@code done}, and closes the store when its standard input ends. A COUNT of -1 writes until killed.
 *
 * <p>{@code java ... StoreChild FILE EXPECTED_ANCHORS FROM COUNT NEGATIVES}
 */
public final class StoreChild {
    private static final int VALUES = 16;

    private StoreChild() {
    }

    /** The negatives the child puts for anchor {@code a<i>}. */
    static StoredNegatives value(long i, int negatives) {
        return NegativesStoreTest.expected(i % VALUES, negatives);
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        long expectedAnchors = Long.parseLong(args[1]);
        long from = Long.parseLong(args[2]);
        long count = Long.parseLong(args[3]);
        int negatives = Integer.parseInt(args[4]);
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (NegativesStore store = NegativesStore.open(file, expectedAnchors)) {
            out.println("open recovered=" + store.recovered());
            out.flush();
            in.readLine();
            StoredNegatives[] values = new StoredNegatives[VALUES];
            for (int v = 0; v < VALUES; v++) {
                values[v] = NegativesStoreTest.expected(v, negatives);
            }
            for (long i = 0; count < 0 || i < count; i++) {
                // Values built beforehand: the loop is nearly all put, so a kill likely lands inside one.
                store.put("a" + (from + i), values[(int) ((from + i) % VALUES)]);
                out.println(i + 1);
                out.flush();
            }
            out.println("done");
            out.flush();
            while (in.readLine() != null) {
                // wait until the test is done reading
            }
        }
    }
}
