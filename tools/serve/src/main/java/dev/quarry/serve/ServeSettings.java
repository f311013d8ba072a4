package dev.quarry.serve;

import dev.quarry.index.SearchParams;
import dev.quarry.mining.MinerPreset;
import dev.quarry.options.MineOptions;
import java.nio.file.Path;

/**
 * Everything a server is started with.
 *
 * @param corpus the corpus store
 * @param index the IVF index file, or null for exact search
 * @param corpusIds the corpus ids file, or null (CORPUS.ids beside it, else row numbers)
 * @param host address to bind
 * @param port port to bind (0: any free one)
 * @param token the bearer token clients must send, or null (loopback only)
 * @param negativesStore the negatives store file, or null
 * @param storeAnchors anchors the store is sized for
 * @param search search options of calls that give none
 * @param limits request limits
 * @param refreshDir the directory refreshes may read from
 * @param buildThreads threads of a refresh's index build
 * @param preset how each version's miner chooses the search options that {@code search} leaves open
 * @param workDir the directory the server owns: copies of what it serves, and their indexes
 * @param heldout the held-out set watched at start, and what a drop of its recall does
 * @param defaults the mining settings of calls that leave them out (an options file's, else the schema's defaults)
 */
record ServeSettings(Path corpus, Path index, Path corpusIds, String host, int port, BearerToken token,
                     Path negativesStore, long storeAnchors, SearchParams search, RequestLimits limits,
                     Path refreshDir, int buildThreads, MinerPreset preset, Path workDir,
                     HeldOutSettings heldout, MineOptions defaults) {
    /** Settings whose calls take the schema's defaults. */
    ServeSettings(Path corpus, Path index, Path corpusIds, String host, int port, BearerToken token,
                  Path negativesStore, long storeAnchors, SearchParams search, RequestLimits limits,
                  Path refreshDir, int buildThreads, MinerPreset preset, Path workDir, HeldOutSettings heldout) {
        this(corpus, index, corpusIds, host, port, token, negativesStore, storeAnchors, search, limits, refreshDir,
                buildThreads, preset, workDir, heldout, MineOptions.defaults());
    }
}
