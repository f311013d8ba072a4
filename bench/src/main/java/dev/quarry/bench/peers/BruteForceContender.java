package dev.quarry.bench.peers;

import java.io.IOException;

/**
 * Exact search the way a user of a dot-product primitive writes it: one query at a time, every row
 * scored, a bounded heap of k ({@link TopKHeap}); queries are shared out across the threads. A
 * subclass only loads its rows and scores one query. Each process runs one contender, so the call to
 * {@link #scan} stays monomorphic and the JIT inlines it into the loop.
 */
public abstract class BruteForceContender implements Contender {

    /** Loads the corpus and queries into the library's own types; untimed, before the warm-up pass. */
    protected abstract void load(PeerData data);

    /** Offers every corpus row, in ascending order, with its score against query {@code q}. */
    protected abstract void scan(int q, TopKHeap heap);

    @Override
    public void run(PeerData data, PeerOptions options, Sink sink) throws IOException {
        load(data);
        int nq = data.queryCount();
        int k = options.k();
        int[] ids = new int[nq * k];
        TopKHeap[] heaps = new TopKHeap[options.threads()];
        for (int t = 0; t < heaps.length; t++) {
            heaps[t] = new TopKHeap(k);
        }
        String config = "threads=" + options.threads();
        try (QueryThreads threads = new QueryThreads(options.threads())) {
            double[] seconds = TimedPasses.run(options.contender() + " " + config, nq, options.runs(),
                    () -> threads.run(nq, 1, (worker, from, to) -> {
                        TopKHeap heap = heaps[worker];
                        for (int q = from; q < to; q++) {
                            heap.reset();
                            scan(q, heap);
                            heap.drainTo(ids, q * k);
                        }
                    }));
            sink.accept(new Measurement(config, "one query at a time, queries shared across threads", seconds, null,
                    (long) data.rows() * nq, ids.clone()));
        }
    }
}
