package dev.quarry.bench.peers;

import dev.quarry.index.SearchParams;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.vector.QueryBlock;
import java.io.IOException;
import java.nio.file.Files;

/**
 * Quarry's inverted-file index: built (or taken from the cache, {@link IvfCache}) with {@code --nlist}
 * lists on {@code --threads} threads, then searched for each {@code --nprobe}, in each thread layout
 * the options ask for ({@link QuarryPass}). Blocks default to 8,192 queries, the mining pipeline's IVF
 * block (queries of a block that probe the same list are scored together).
 *
 * <p>Dot products per pass: every query against every centroid, plus the rows of the lists it probes
 * ({@link IvfIndex#scannedRows}).
 */
public final class QuarryIvfContender extends QuarryContender {
    /** Queries per search call by default: the mining pipeline's IVF block. */
    static final int DEFAULT_BLOCK = 8192;

    @Override
    public void run(PeerData data, PeerOptions options, Sink sink) throws IOException {
        IvfCache.Entry entry = IvfCache.obtain(data.corpus(), options.corpus(), options.nlist(), options.threads(),
                options.indexCache(), kernels);
        int nq = data.queryCount();
        int k = options.k();
        int block = options.quarryBlock() > 0 ? options.quarryBlock() : DEFAULT_BLOCK;
        try (IvfIndex index = IvfIndex.open(entry.file(), data.corpus(), kernels);
             QueryThreads threads = new QueryThreads(options.threads())) {
            QueryBlock all = allQueries(data);
            // One untimed pass of every configuration before any is timed: the JIT compiles the whole search
            // path, and the lists' pages are mapped, before the first configuration's own warm-up.
            for (String mode : options.quarryModes()) {
                for (int nprobe : options.nprobes()) {
                    new QuarryPass(index, data, k, mode, block, SearchParams.defaults().withNprobe(nprobe), threads)
                            .run(new int[nq * k]);
                }
            }
            for (String mode : options.quarryModes()) {
                for (int nprobe : options.nprobes()) {
                    QuarryPass pass = new QuarryPass(index, data, k, mode, block,
                            SearchParams.defaults().withNprobe(nprobe), threads);
                    int[] ids = new int[nq * k];
                    // One layout keeps the plain "nlist=L nprobe=N"; with both, the layout tells the configurations apart.
                    String config = "nlist=" + index.nlist() + " nprobe=" + nprobe
                            + (options.quarryModes().size() > 1 ? " mode=" + mode : "");
                    String what = "quarry-ivf nprobe=" + nprobe + " mode=" + mode;
                    double[] seconds = TimedPasses.run(what, nq, options.runs(), () -> pass.run(ids));
                    long dots = (long) nq * index.nlist() + index.scannedRows(all, nprobe);
                    String params = "nlist=" + index.nlist() + " mode=" + mode + " threads=" + options.threads()
                            + " block=" + pass.block() + (entry.cached() ? " build=cached (" + entry.buildThreads()
                            + " threads)" : " build=" + entry.buildThreads() + " threads");
                    sink.accept(new Measurement(config, params, seconds, entry.buildSeconds(), dots, ids));
                }
            }
        } finally {
            if (entry.temporary()) {
                Files.deleteIfExists(entry.file());
            }
        }
    }

    /** Every query of the run in one block, to count the rows a search scans. */
    private static QueryBlock allQueries(PeerData data) {
        QueryBlock all = new QueryBlock(Math.max(1, data.queryCount()), data.dim());
        for (int q = 0; q < data.queryCount(); q++) {
            all.add(data.queries().segment(), data.queries().rowOffset(q));
        }
        return all;
    }
}
