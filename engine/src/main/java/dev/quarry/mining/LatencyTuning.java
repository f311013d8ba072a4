package dev.quarry.mining;

import dev.quarry.index.Exclusions;
import dev.quarry.index.Recall;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.index.VectorIndex;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import java.util.Locale;

/**
 * The search settings of a {@link MinerPreset#LATENCY} miner, chosen by measurement on its own corpus
 * and index: rows spread evenly through the corpus are searched exactly (each excluding itself, as a
 * mined anchor does), then with each candidate setting from the cheapest up, and the first whose
 * recall@k reaches {@link #RECALL_TARGET} is kept. For an IVF index the candidates are nprobe 1, 2, 4,
 * ... up to nlist (where the search is exact). Recall on the data itself, not a rule of thumb: nprobe 1
 * holds 0.96 of the top 100 on the clustered benchmark set and far less on data whose neighbours
 * straddle cells.
 */
final class LatencyTuning {
    /** Recall@k the chosen settings reach on the probe rows. */
    static final double RECALL_TARGET = 0.95;
    /** Probe rows: a trainer's batch of 64, fewer when exact search of them would pass the flop budget. */
    private static final int PROBE_ROWS = 64;
    private static final int MIN_PROBE_ROWS = 16;
    /** Flops the exact search of the probe rows may take: about half a second on two cores. */
    private static final double EXACT_FLOPS = 6e10;

    private LatencyTuning() {
    }

    /**
     * What was chosen.
     *
     * @param search the settings calls use
     * @param description the choice and its evidence, for logs and summaries
     */
    record Choice(SearchParams search, String description) {
    }

    /** The settings for {@code index} over {@code corpus}, mining ranks below {@code config.rangeMax()}. */
    static Choice choose(VectorIndex index, VectorStore corpus, VectorKernels kernels, MiningConfig config,
                         SearchParams base) {
        if (!(index instanceof IvfIndex ivf)) {
            return new Choice(base, "exact search, nothing to tune");
        }
        int k = (int) Math.min(config.rangeMax(), corpus.count() - 1);
        long count = corpus.count();
        int rows = (int) Math.max(MIN_PROBE_ROWS, Math.min(PROBE_ROWS, EXACT_FLOPS / (2.0 * count * corpus.dim())));
        rows = (int) Math.min(rows, count);
        if (k < 1) {
            return new Choice(base, "corpus too small to tune");
        }
        QueryBlock probe = new QueryBlock(rows, corpus.dim());
        int[][] self = new int[rows][];
        for (int i = 0; i < rows; i++) {
            long row = i * (count / rows);
            probe.add(corpus.segment(), corpus.rowOffset(row));
            self[i] = new int[] {(int) row};
        }
        Exclusions exclusions = Exclusions.ofSorted(self);
        TopK truth = new FlatIndex(corpus, kernels).search(probe, k, exclusions, base.withNprobe(0));
        double recall = Double.NaN;
        int nprobe = 1;
        for (; nprobe < ivf.nlist(); nprobe *= 2) {
            recall = Recall.of(truth, ivf.search(probe, k, exclusions, base.withNprobe(nprobe)));
            if (recall >= RECALL_TARGET) {
                break;
            }
        }
        if (nprobe >= ivf.nlist()) {
            nprobe = ivf.nlist();
            recall = 1.0; // every list probed: the search is exact
        }
        return new Choice(base.withNprobe(nprobe), String.format(Locale.ROOT,
                "nprobe %d of %d lists (latency preset: recall@%d %.3f on %d corpus rows, target %.2f)",
                nprobe, ivf.nlist(), k, recall, rows, RECALL_TARGET));
    }
}
