package dev.quarry.bench.latency;

import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.SearchThreads;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.mining.Miner;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * A trainer's 64-anchor call over IVF taken apart from outside, by subtraction, so the hot path carries
 * no timer: each round times, one after another on the same anchors, the pieces a call is made of:
 * <ul>
 * <li>{@code centroids}: the coarse stage of one thread's half (32 anchors, one thread: {@link IvfIndex#probedLists});
 * <li>{@code search}: that half's whole search (centroids and lists, one thread); search minus centroids is the lists;
 * <li>{@code mine-half}: that half mined whole on one thread (search, filters, sampling), each half in turn;
 * <li>{@code call}: the 64 anchors on two threads, as a trainer calls ({@link Miner#mine}); call minus the slower
 *     half is what running the halves side by side costs: the hand-off, the join and the two threads sharing memory;
 * <li>{@code handoff}: {@link SearchThreads#run} with two empty parts (wake the pool's worker, join it), and
 *     {@code wake}: from the call's start to the worker starting its part.
 * </ul>
 * Rounds rotate the pieces so a burst of load falls on each alike; percentiles per piece over the rounds.
 *
 * <p>Usage: {@code CallPhases --corpus C.qvec --queries Q.qvec --index C.qivf [--nprobe 1] [--rounds 2000]
 * [--batch 64] [--gap-us 0]}; {@code --gap-us} sleeps between pieces (the pool's worker parks meanwhile, as
 * between a trainer's calls).
 */
public final class CallPhases {
    private CallPhases() {
    }

    public static void main(String[] args) {
        Path corpusPath = null;
        Path queriesPath = null;
        Path indexPath = null;
        int nprobe = 1;
        int rounds = 2000;
        int batch = 64;
        long gapMicros = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--corpus" -> corpusPath = Path.of(args[++i]);
                case "--queries" -> queriesPath = Path.of(args[++i]);
                case "--index" -> indexPath = Path.of(args[++i]);
                case "--nprobe" -> nprobe = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--gap-us" -> gapMicros = Long.parseLong(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (corpusPath == null || queriesPath == null || indexPath == null) {
            throw new IllegalArgumentException("--corpus, --queries and --index are required");
        }
        VectorKernels kernels = VectorKernelsProvider.get();
        try (VectorStore corpus = VectorStore.open(corpusPath); VectorStore queries = VectorStore.open(queriesPath);
             IvfIndex index = IvfIndex.open(indexPath, corpus, kernels)) {
            int pool = (int) Math.min(4096, queries.count());
            float[][] anchors = new float[pool][queries.dim()];
            for (int i = 0; i < pool; i++) {
                queries.copyRow(i, anchors[i]);
            }
            int[][] positives = new int[pool][];
            for (int i = 0; i < pool; i++) {
                positives[i] = new int[] {(int) ((i * 7919L) % corpus.count())};
            }
            SearchParams one = SearchParams.defaults().withNprobe(nprobe).withThreads(1);
            SearchParams two = one.withThreads(2);
            try (Miner single = Miner.builder(corpus).index(index).kernels(kernels).config(LatencyBenchmark.config())
                    .search(one).build();
                 Miner pair = Miner.builder(corpus).index(index).kernels(kernels).config(LatencyBenchmark.config())
                    .search(two).build()) {
                run(index, anchors, positives, one, single, pair, rounds, batch, gapMicros);
            }
        }
    }

    private static void run(IvfIndex index, float[][] anchors, int[][] positives, SearchParams one, Miner single,
                            Miner pair, int rounds, int batch, long gapMicros) {
        String[] names = {"centroids", "search", "mine-half-a", "mine-half-b", "call", "handoff", "wake"};
        Histogram[] h = new Histogram[names.length];
        for (int i = 0; i < h.length; i++) {
            h[i] = new Histogram(3_600_000_000_000L, 3);
        }
        int half = batch / 2;
        AtomicLong started = new AtomicLong();
        long[] sink = {0};
        int pieces = 6;
        for (int r = -rounds / 10; r < rounds; r++) { // the first tenth warms each piece up, not counted
            int from = Math.floorMod(r, anchors.length / batch) * batch;
            float[][] a = Arrays.copyOfRange(anchors, from, from + batch);
            int[][] p = Arrays.copyOfRange(positives, from, from + batch);
            QueryBlock block = QueryBlock.of(Arrays.copyOf(a, half));
            for (int k = 0; k < pieces; k++) {
                int piece = (k + Math.floorMod(r, pieces)) % pieces; // rotate the order
                pause(gapMicros);
                long t = System.nanoTime();
                switch (piece) {
                    case 0 -> sink[0] += index.probedLists(block, one)[0];
                    case 1 -> sink[0] += index.search(block, 100, Exclusions.NONE, one).id(0, 0);
                    case 2 -> sink[0] += single.mine(Arrays.copyOf(a, half), Arrays.copyOf(p, half)).size();
                    case 3 -> sink[0] += single.mine(Arrays.copyOfRange(a, half, batch),
                            Arrays.copyOfRange(p, half, batch)).size();
                    case 4 -> sink[0] += pair.mine(a, p).size();
                    default -> {
                        SearchThreads.run("phases", 2, part -> {
                            if (part == 1) {
                                started.set(System.nanoTime());
                            }
                        });
                        if (r >= 0) {
                            h[6].recordValue(Math.max(0, started.get() - t));
                        }
                    }
                }
                long d = System.nanoTime() - t;
                if (r >= 0) {
                    h[piece].recordValue(d);
                }
            }
        }
        System.err.println("sink " + sink[0]);
        System.out.printf(Locale.ROOT, "%-12s %9s %9s %9s %9s %9s%n", "piece", "p10_ms", "p50_ms", "p90_ms", "p99_ms",
                "max_ms");
        for (int i = 0; i < names.length; i++) {
            System.out.printf(Locale.ROOT, "%-12s %9.3f %9.3f %9.3f %9.3f %9.3f%n", names[i],
                    h[i].getValueAtPercentile(10) / 1e6, h[i].getValueAtPercentile(50) / 1e6,
                    h[i].getValueAtPercentile(90) / 1e6, h[i].getValueAtPercentile(99) / 1e6, h[i].getMaxValue() / 1e6);
        }
    }

    private static void pause(long micros) {
        if (micros > 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(micros * 1000);
        }
    }
}
