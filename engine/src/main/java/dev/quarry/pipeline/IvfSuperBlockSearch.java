package dev.quarry.pipeline;

import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.options.MineSettings;
import dev.quarry.options.OptionError;
import dev.quarry.store.VectorStore;

/**
 * An IVF index searched a super-block of anchors at a time, the anchors' vectors read in place from
 * their store, on all the run's threads ({@link IvfIndex#searchRows}).
 *
 * @param index the index
 * @param queries the anchors' store
 * @param params nprobe, and the threads of the run (the search splits itself between them)
 */
record IvfSuperBlockSearch(IvfIndex index, VectorStore queries, SearchParams params) implements BatchSearch {

    @Override
    public TopK search(int[] anchors, int[][] exclusions, int depth) {
        if (depth > index.size()) {
            throw new OptionError(MineSettings.RANGE_MAX, depth, "at most the corpus size " + index.size());
        }
        long[] offsets = new long[anchors.length];
        for (int i = 0; i < anchors.length; i++) {
            offsets[i] = queries.rowOffset(anchors[i]);
        }
        return index.searchRows(queries.segment(), offsets, depth, Exclusions.ofSorted(exclusions), params);
    }

    @Override
    public int anchorsPerBatch(int blockSize, int depth) {
        return Math.max(1, index.batchQueries(params.nprobe(), params.threads(), depth) / blockSize) * blockSize;
    }
}
