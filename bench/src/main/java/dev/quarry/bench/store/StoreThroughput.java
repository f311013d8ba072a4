package dev.quarry.bench.store;

import dev.quarry.negatives.NegativesStore;
import dev.quarry.negatives.StoredNegatives;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Puts or gets of a {@link NegativesStore} from one thread for a fixed time, the figure one process of
 * several sharing a store sees; the same operations on an on-heap {@link ConcurrentHashMap} of the same
 * values are the baseline (what sharing the map between processes costs).
 *
 * <pre>
 *   StoreThroughput --store F --op fill|put|get --anchors N [--seconds S] [--negatives 8] [--seed 1] [--heap]
 * </pre>
 * {@code fill} puts anchors 0..N-1 once; {@code put} and {@code get} pick anchors at random among them
 * for S seconds. Prints one JSON line: op, ops, seconds, ops_per_s, store size.
 */
public final class StoreThroughput {
    private StoreThroughput() {
    }

    public static void main(String[] args) {
        Map<String, String> o = new java.util.HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--heap")) {
                o.put("heap", "true");
            } else {
                o.put(args[i].substring(2), args[++i]);
            }
        }
        String op = o.get("op");
        int anchors = Integer.parseInt(o.get("anchors"));
        double seconds = Double.parseDouble(o.getOrDefault("seconds", "5"));
        int negatives = Integer.parseInt(o.getOrDefault("negatives", "8"));
        long seed = Long.parseLong(o.getOrDefault("seed", "1"));
        boolean heap = o.containsKey("heap");
        StoredNegatives value = value(negatives, seed);
        Ops ops;
        NegativesStore store = null;
        if (heap) {
            ConcurrentHashMap<String, StoredNegatives> map = new ConcurrentHashMap<>();
            for (int a = 0; a < anchors; a++) {
                map.put(id(a), value);
            }
            ops = new Ops(map::put, map::get, map::size);
        } else {
            NegativesStore s = NegativesStore.open(Path.of(o.get("store")), anchors);
            store = s;
            ops = new Ops(s::put, s::get, s::size);
        }
        long done = 0;
        long start = System.nanoTime();
        if (op.equals("fill")) {
            for (int a = 0; a < anchors; a++) {
                ops.put.put(id(a), value);
            }
            done = anchors;
        } else {
            SplittableRandom random = new SplittableRandom(seed);
            long end = start + (long) (seconds * 1e9);
            boolean put = op.equals("put");
            long missing = 0;
            while ((done & 1023) != 0 || System.nanoTime() < end) {
                String id = id(random.nextInt(anchors));
                if (put) {
                    ops.put.put(id, value);
                } else if (ops.get.apply(id) == null) {
                    missing++;
                }
                done++;
            }
            if (missing > 0) {
                throw new IllegalStateException(missing + " gets found no entry: fill the store first");
            }
        }
        double took = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "{\"op\":\"%s\",\"heap\":%b,\"ops\":%d,\"seconds\":%.3f,\"ops_per_s\":%.0f,"
                + "\"size\":%d}%n", op, heap, done, took, done / took, ops.size.get());
        if (store != null) {
            store.close();
        }
    }

    private record Ops(Putter put, java.util.function.Function<String, StoredNegatives> get,
                       java.util.function.Supplier<? extends Number> size) {
    }

    private interface Putter {
        void put(String id, StoredNegatives value);
    }

    /** Anchor ids as a catalog names them ({@code q000123456}: 10 bytes). */
    private static String id(int anchor) {
        return String.format(Locale.ROOT, "q%09d", anchor);
    }

    /** A typical entry: {@code negatives} corpus ids like {@code d000123456} with descending scores. */
    private static StoredNegatives value(int negatives, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        String[] ids = new String[negatives];
        float[] scores = new float[negatives];
        for (int i = 0; i < negatives; i++) {
            ids[i] = String.format(Locale.ROOT, "d%09d", random.nextInt(10_000_000));
            scores[i] = 0.9f - 0.01f * i;
        }
        return new StoredNegatives(ids, scores, 1, System.currentTimeMillis());
    }
}
