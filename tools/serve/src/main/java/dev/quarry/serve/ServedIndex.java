package dev.quarry.serve;

import dev.quarry.index.SearchParams;
import dev.quarry.index.VectorIndex;
import dev.quarry.labels.IdMap;
import dev.quarry.mining.Miner;
import dev.quarry.mining.MinerPreset;
import dev.quarry.mining.MiningConfig;
import dev.quarry.pipeline.StoreIds;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.VectorKernels;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One version of what the service mines from: a corpus store, its index, the corpus ids, and a miner
 * per mining configuration asked for (built on first use, warmed up, then kept). Requests hold it for
 * their whole call ({@link #acquire}/{@link #release}); a refresh retires it, and it unmaps its files
 * after the last request that holds it has released it, so no request ever sees files closed under it.
 */
final class ServedIndex {
    private final long version;
    private final Path source;
    private final VectorStore corpus;
    private final VectorIndex index;
    private final StoreIds ids;
    private final Path indexFile;
    private final VectorKernels kernels;
    private final SearchParams search;
    private final MinerPreset preset;
    private final ConcurrentHashMap<MiningConfig, Miner> miners = new ConcurrentHashMap<>();
    /** Holders: the service itself (while current) plus every request in flight. */
    private final AtomicInteger holders = new AtomicInteger(1);
    /** Run by the last holder once the files are unmapped: deletes the version's files from the work directory. */
    private volatile Runnable afterClose = () -> { };

    ServedIndex(long version, Path source, VectorStore corpus, VectorIndex index, Path indexFile, StoreIds ids,
                VectorKernels kernels, SearchParams search, MinerPreset preset) {
        this.version = version;
        this.source = source;
        this.corpus = corpus;
        this.index = index;
        this.indexFile = indexFile;
        this.ids = ids;
        this.kernels = kernels;
        this.search = search;
        this.preset = preset;
    }

    long version() {
        return version;
    }

    /** The corpus file as the user named it (the server serves its own copy of it, {@link #corpus()}). */
    Path source() {
        return source;
    }

    VectorStore corpus() {
        return corpus;
    }

    VectorIndex index() {
        return index;
    }

    /** The index file, or null for exact search. */
    Path indexFile() {
        return indexFile;
    }

    IdMap ids() {
        return ids.ids();
    }

    StoreIds storeIds() {
        return ids;
    }

    /**
     * The miner for {@code config}. The default configuration's is built once, with the index's pages
     * read in and warmed up (when the version opens); another configuration gets a miner of its own per
     * call, which costs nothing to build and runs the code the warm-up compiled.
     */
    Miner miner(MiningConfig config) {
        if (config.equals(MiningConfig.defaults())) {
            return miners.computeIfAbsent(config, c -> Miner.builder(corpus).index(index).kernels(kernels).config(c)
                    .search(search).preset(preset).preload(true).build());
        }
        return Miner.builder(corpus).index(index).kernels(kernels).config(config).search(search()).warmUp(false).build();
    }

    /**
     * The search options of calls that give none: the server's, with what the preset chose for this
     * version (its default miner's, measured on this version's corpus and index).
     */
    SearchParams search() {
        Miner defaults = miners.get(MiningConfig.defaults());
        return defaults == null ? search : defaults.search();
    }

    /** {@link #search()} and how it was chosen, for the log. */
    String describeSearch() {
        return miner(MiningConfig.defaults()).describeSearch();
    }

    /** Holds this version for a request; false when it was retired and closed meanwhile (take the current). */
    boolean acquire() {
        while (true) {
            int n = holders.get();
            if (n == 0) {
                return false;
            }
            if (holders.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /**
     * Has the last holder run {@code action} after unmapping the version's files: the server deletes them
     * from its work directory (a trainer that refreshes every epoch would otherwise leave a copy of the
     * corpus and an index as large as it on disk per refresh).
     */
    void afterClose(Runnable action) {
        afterClose = action;
    }

    /** Lets go of this version; the last holder of a retired version closes it. */
    void release() {
        if (holders.decrementAndGet() == 0) {
            close();
        }
    }

    /** Requests holding it now (the service's own hold included while current). */
    int holders() {
        return holders.get();
    }

    private void close() {
        miners.values().forEach(Miner::close);
        index.close();
        ids.close();
        corpus.close();
        if (indexFile != null) {
            dev.quarry.files.ChecksumCache.forget(indexFile); // its check, kept while it was served
        }
        afterClose.run();
    }
}
