package dev.quarry.bench.peers;

import dev.quarry.index.SearchParams;
import dev.quarry.index.flat.FlatIndex;
import java.io.IOException;

/**
 * Quarry's exact index ({@link FlatIndex}: the fused block kernel over the memory-mapped corpus), in
 * each thread layout the options ask for ({@link QuarryPass}). Blocks default to 256 queries, the
 * mining pipeline's block for flat search.
 */
public final class QuarryFlatContender extends QuarryContender {
    /** Queries per search call by default: the mining pipeline's flat block. */
    static final int DEFAULT_BLOCK = 256;

    @Override
    public void run(PeerData data, PeerOptions options, Sink sink) throws IOException {
        FlatIndex index = new FlatIndex(data.corpus(), kernels);
        int nq = data.queryCount();
        int k = options.k();
        int block = options.quarryBlock() > 0 ? options.quarryBlock() : DEFAULT_BLOCK;
        try (QueryThreads threads = new QueryThreads(options.threads())) {
            for (String mode : options.quarryModes()) {
                QuarryPass pass = new QuarryPass(index, data, k, mode, block, SearchParams.defaults(), threads);
                int[] ids = new int[nq * k];
                String config = "threads=" + options.threads() + " mode=" + mode;
                double[] seconds = TimedPasses.run("quarry-flat " + config, nq, options.runs(), () -> pass.run(ids));
                sink.accept(new Measurement(config, "block=" + pass.block(), seconds, null, (long) data.rows() * nq,
                        ids));
            }
        }
    }
}
