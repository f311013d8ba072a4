package dev.quarry.index.ivf;

import dev.quarry.options.MineSettings;
import dev.quarry.options.OptionError;
import dev.quarry.QuarryDataException;
import dev.quarry.QuarryUsageException;
import dev.quarry.files.ChecksumCache;
import dev.quarry.files.ContentChecksum;
import dev.quarry.files.FileFormat;
import dev.quarry.files.FileStamp;
import dev.quarry.files.MappedFiles;
import dev.quarry.files.UserFiles;
import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.SearchThreads;
import dev.quarry.index.SortedInts;
import dev.quarry.index.TopK;
import dev.quarry.index.TopKCollector;
import dev.quarry.index.VectorIndex;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.CandidateSink;
import dev.quarry.vector.FastScanKernel;
import dev.quarry.vector.ScalarFastScanKernel;
import dev.quarry.vector.ScalarVectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import dev.quarry.vector.KernelMemory;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.RowPanels;
import dev.quarry.vector.VectorKernels;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;

/**
 * An inverted-file index opened from a {@code .qivf} file (memory-mapped). A search is list-major:
 * every query of the block picks its {@code nprobe} best lists, then each list is scanned once for
 * all the queries that probe it, as one block product with the fused top-k kernel, so the lists'
 * vectors are read once per block instead of once per query. Big blocks share lists best (the
 * mining pipeline gives IVF blocks of thousands of anchors). The lists are stored in panels
 * ({@link RowPanels}), so a list probed by only one or two queries still fills the SIMD lanes.
 *
 * <p>Results follow the total order of {@link TopK}, and each score has the bits the flat index
 * computes for the same pair: with {@code nprobe = nlist} the result is exactly the flat one. With
 * {@code threads > 1} the lists are split between threads and their heaps merged. Thread-safe.
 *
 * <p>Lists stored as int8 codes ({@link ListEncoding#INT8}) are scanned for each query's best
 * candidates by approximate score, which are then rescored with the store's float32 rows
 * ({@link CandidateRescorer}): the scores returned are the float32 index's, and so are the ids whenever
 * the rescored candidates hold that index's top k. Lists stored as 4-bit product-quantization codes
 * ({@link ListEncoding#PQ4}) go the same way: each query's best R rows by the fast-scan kernel's table sums
 * ({@link PqListScan}), rescored in float32.
 */
public final class IvfIndex implements VectorIndex {
    /**
     * Blocks of at least this many queries searched on one thread keep their candidates by selection
     * ({@link SelectingScan}); fewer keep the heaps, whose few offers cost less than the selection's buffers (a
     * one-anchor call allocated 28 KB instead of 18 KB).
     */
    private static final int SELECT_FROM = 4;
    /** Blocks of at least this many queries split the centroids between threads. */
    private static final int SPLIT_CENTROIDS_FROM = 4;
    /** Queries per list and thread a batch search aims at (see {@link #batchQueries}). */
    private static final int QUERIES_PER_LIST = 64;
    /** Bytes of candidates a batch search may hold (ids and scores of k per query). */
    private static final long BATCH_CANDIDATE_BYTES = 128L << 20;
    /** Candidates rescored per query at most, as a multiple of k, when a call does not say (int8 lists). */
    static final float DEFAULT_OVERSAMPLE = 2f;
    /**
     * Candidates rescored per query when a call does not say (pq4 lists): {@value #PQ_DEFAULT_FACTOR} x k, at
     * least {@value #PQ_DEFAULT_MIN}. A 4-bit code ranks far more coarsely than an int8 row: on 208k real
     * sentence embeddings (dim 384, m 96) a flat scan kept recall@100 0.952 with the best 300 rescored, 0.974
     * with 400 (bench/README.md, "Fast-scan kernel").
     */
    static final int PQ_DEFAULT_FACTOR = 3;
    static final int PQ_DEFAULT_MIN = 300;
    private final Path file;
    private final IvfHeader header;
    private final Arena arena;
    private final MemorySegment data; // of the kernels' class (KernelMemory)
    private final MemorySegment mapped; // the file's own mapping, for load()
    private final VectorKernels kernels;
    /** The fast-scan kernel of pq4 lists (the oracle when {@code kernels} are the scalar ones); null for others. */
    private final FastScanKernel fastScan;
    private final CentroidScorer centroids;
    private final long[] offsets;
    /** Where each list's vectors start, in rows of the vectors section (lists are padded to whole panels). */
    private final long[] panelRows;
    private final Object mapping; // MappedFiles' token
    private boolean bodyReadAtOpen;
    /** The int8 lists' quantizer, or null for float32 lists. */
    private final Int8Quantizer quantizer;
    /** Scores an int8 index's candidates with the store's rows; null for float32 lists. */
    private final CandidateRescorer rescorer;
    /** The centroid graph, or null when the index has none. */
    private final CentroidGraph graph;
    /** The pq4 lists' codebook, or null for other lists. */
    private final PqCodebook codebook;

    private IvfIndex(Path file, IvfHeader header, Arena arena, MemorySegment data, VectorKernels kernels,
                     VectorStore store) {
        this.file = file;
        this.header = header;
        this.arena = arena;
        this.data = KernelMemory.of(data);
        this.mapped = data;
        data = this.data; // what follows reads the file as the kernels do
        this.kernels = kernels;
        this.quantizer = header.encoding() == IvfHeader.INT8
                ? Int8Quantizer.read(file, data, header.quantizerAt(), header.dim()) : null;
        this.codebook = header.encoding() == IvfHeader.PQ4
                ? PqCodebook.read(file, data, header.quantizerAt(), header.dim(), header.subspaces()) : null;
        this.fastScan = codebook == null ? null : kernels instanceof ScalarVectorKernels ? new ScalarFastScanKernel()
                : VectorKernelsProvider.fastScan();
        this.rescorer = quantizer == null && codebook == null ? null : new CandidateRescorer(store, kernels);
        this.graph = header.graphDegree() == 0 ? null
                : CentroidGraph.read(file, data, header.graphAt(), header.nlist(), header.graphDegree());
        this.centroids = new CentroidScorer(kernels, data, header.centroidsAt(), header.nlist(), header.dim(),
                header.metric() == IvfHeader.EUCLIDEAN, arena);
        this.offsets = new long[header.nlist() + 1];
        MemorySegment.copy(data, ValueLayout.JAVA_LONG_UNALIGNED, header.offsetsAt(), offsets, 0, offsets.length);
        this.panelRows = new long[header.nlist() + 1];
        for (int c = 0; c < header.nlist(); c++) {
            if (offsets[c] > offsets[c + 1] || offsets[c + 1] > header.count()) {
                arena.close();
                throw new QuarryDataException(file, "list offsets", "list " + c + " [" + offsets[c] + ", "
                        + offsets[c + 1] + ")", "ascending offsets within count=" + header.count());
            }
            panelRows[c + 1] = panelRows[c] + IvfHeader.paddedRows(header.encoding(), offsets[c + 1] - offsets[c]);
        }
        if (offsets[0] != 0 || offsets[header.nlist()] != header.count()
                || panelRows[header.nlist()] != header.vectorRows()) {
            arena.close();
            throw new QuarryDataException(file, "list offsets", "lists holding [" + offsets[0] + ", "
                    + offsets[header.nlist()] + ") in " + panelRows[header.nlist()] + " padded rows", "[0, count="
                    + header.count() + ") in vector rows=" + header.vectorRows());
        }
        // A search hands these rows to the miner as they are. Checked a chunk at a time through a heap array:
        // a plain loop over ints, which a short run's first tier compiles at once (a segment access per
        // ordinal cost each open of a 1M-row index about a tenth of a second of interpreter and compilers).
        int[] chunk = new int[(int) Math.min(header.count(), 1 << 16)];
        for (long from = 0; from < header.count(); from += chunk.length) {
            int n = (int) Math.min(chunk.length, header.count() - from);
            MemorySegment.copy(data, ValueLayout.JAVA_INT_UNALIGNED, header.ordinalsAt() + 4 * from, chunk, 0, n);
            for (int j = 0; j < n; j++) {
                int ordinal = chunk[j];
                if (ordinal < 0 || ordinal >= header.storeCount()) {
                    arena.close();
                    throw new QuarryDataException(file, "ordinal[" + (from + j) + "]", ordinal, "a row of the store it"
                            + " was built from, 0 to " + (header.storeCount() - 1));
                }
            }
        }
        this.mapping = MappedFiles.mapped(file, data.byteSize());
    }

    /**
     * Opens an index and checks it: its header, that it was built from {@code store} (the count, dim and
     * checksum of the rows recorded at build time, {@link VectorStore#content}), and its body against the
     * checksum in its footer (the lists are a copy of the corpus: a damaged byte there would change scores
     * silently). The body is read whole unless this very file, unchanged since (real path, inode, size, mtime,
     * ctime), was found to hold it before: an open that reads it keeps that result ({@link ChecksumCache},
     * {@code FILE.qsum}), so the runs after it do not reread a 1.5 GB index. An index with int8 lists reads
     * the store's rows at search time (to rescore), so the store must stay open as long as the index.
     */
    public static IvfIndex open(Path file, VectorStore store, VectorKernels kernels) {
        Arena arena = Arena.ofShared();
        UserFiles.requireInput(file);
        FileStamp stamp = FileStamp.orNull(file); // before the open: what is kept is for the file that was read
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer head = ByteBuffer.allocate((int) Math.min(size, IvfHeader.SIZE));
            while (head.hasRemaining() && ch.read(head, head.position()) > 0) {
                // read the header
            }
            head.flip();
            int nlist = head.remaining() >= 16 ? head.order(ByteOrder.LITTLE_ENDIAN).getInt(12) : 0;
            IvfHeader h = IvfHeader.decode(file, head, size, rebuild(file, store, nlist, IvfHeader.FLOAT32));
            if (h.storeCount() != store.count() || h.storeDim() != store.dim()) {
                throw new QuarryDataException(file, "built from", "a store of count=" + h.storeCount() + " dim="
                        + h.storeDim(), "the corpus it is used with, " + store.path() + ": count=" + store.count()
                        + " dim=" + store.dim() + " (" + rebuild(file, store, h.nlist(), h.encoding()) + ")");
            }
            long checksum = store.content(null).checksum();
            if (h.storeChecksum() != checksum) {
                throw new QuarryDataException(file, "store checksum", ContentChecksum.hex(h.storeChecksum()),
                        ContentChecksum.hex(checksum) + ", the checksum of the rows of " + store.path()
                                + " (the index was built from other rows, or the corpus changed since: "
                                + rebuild(file, store, h.nlist(), h.encoding()) + ")");
            }
            MemorySegment data = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long recorded = IvfHeader.FORMAT.readFooter(file, data.asSlice(h.footerAt(), FileFormat.FOOTER_BYTES)
                    .asByteBuffer());
            boolean bodyRead = ChecksumCache.checkBody(file, stamp, recorded, () -> new ContentChecksum().update(data,
                    IvfHeader.SIZE, h.footerAt() - IvfHeader.SIZE).value(), "bytes " + IvfHeader.SIZE + ".."
                    + (h.footerAt() - 1), rebuild(file, store, h.nlist(), h.encoding()));
            IvfIndex index = new IvfIndex(file, h, arena, data, kernels, store);
            index.bodyReadAtOpen = bodyRead;
            return index;
        } catch (NoSuchFileException e) {
            arena.close();
            throw new QuarryDataException(file, "file", "not found", "an index built by quarry index build", e);
        } catch (IOException e) {
            arena.close();
            throw new QuarryDataException(file, "file", "unreadable (" + e.getMessage() + ")", "a readable index", e);
        } catch (RuntimeException e) {
            if (arena.scope().isAlive()) {
                arena.close();
            }
            throw e;
        }
    }

    /** Whether {@link #open} read the whole body to check it (false: an earlier open of this unchanged file did). */
    boolean bodyReadAtOpen() {
        return bodyReadAtOpen;
    }

    /**
     * The command that rebuilds {@code file} over {@code store} with {@code nlist} lists (0: the default)
     * stored as {@code encoding} (the header's field).
     */
    static String rebuild(Path file, VectorStore store, int nlist, int encoding) {
        return "rebuild it with quarry index build --store " + shellWord(store.path()) + " --type ivf"
                + (nlist > 0 ? " --nlist " + nlist : "") + (encoding == IvfHeader.INT8 ? " --lists int8"
                : encoding == IvfHeader.PQ4 ? " --lists pq4" : "")
                + " --output " + shellWord(file);
    }

    private static String shellWord(Path path) {
        String word = path.toString();
        return word.matches("[A-Za-z0-9._/+:=@%,-]+") ? word : "'" + word.replace("'", "'\\''") + "'";
    }

    /**
     * A checksum that identifies what this index serves, for a mining run's fingerprint: the header,
     * centroids, list offsets and row ordinals, and the footer, whose recorded checksum of the body
     * (vectors included) {@link #open} checked. A few MB read where the whole file is the corpus again
     * (1.5 GB for 1M x 384 rows).
     */
    public long contentChecksum() {
        return new ContentChecksum().update(data, 0, header.vectorsAt())
                .update(data, header.footerAt(), header.fileSize() - header.footerAt()).value();
    }

    /** A copy of the centroids, {@code nlist x dim} floats row after row. */
    public float[] centroids() {
        float[] out = new float[header.nlist() * header.dim()];
        MemorySegment.copy(data, ValueLayout.JAVA_FLOAT_UNALIGNED, header.centroidsAt(), out, 0, out.length);
        return out;
    }

    /** Whether the centroids are unit-norm (spherical k-means: lists picked by inner product). */
    public boolean spherical() {
        return header.metric() == IvfHeader.SPHERICAL;
    }

    /** The seed the index was trained with. */
    public long seed() {
        return header.seed();
    }

    /** How the lists store their vectors. */
    public ListEncoding encoding() {
        return ListEncoding.of(header.encoding());
    }

    /** Sub-spaces of the pq4 codes; 0 for other lists. */
    public int pqSubspaces() {
        return header.subspaces();
    }

    /** Number of inverted lists. */
    public int nlist() {
        return header.nlist();
    }

    /** The nprobe used when a call passes 0: nlist / 64, at least 1 (tuned with the benchmark). */
    public int defaultNprobe() {
        return Math.max(1, Math.min(header.nlist(), header.nlist() / 64));
    }

    /** Vectors in list {@code list}. */
    public int listSize(int list) {
        return (int) (offsets[list + 1] - offsets[list]);
    }

    @Override
    public int dim() {
        return header.dim();
    }

    @Override
    public long size() {
        return header.count();
    }

    @Override
    public String describe() {
        return "ivf nlist=" + header.nlist() + (quantizer != null ? " int8" : codebook != null ? " pq4 m="
                + header.subspaces() : "") + " (" + file.getFileName() + ")";
    }

    @Override
    public TopK search(QueryBlock queries, int k, Exclusions exclusions, SearchParams params) {
        return search(queries, k, exclusions, params, null);
    }

    /**
     * As {@link #search(QueryBlock, int, Exclusions, SearchParams)}, one of a call's blocks searched side by side
     * on their own threads: with a {@code share} (null for none) common to those searches, a block searched on
     * one thread by selection whose queries each probe one list shares its lists with the others
     * ({@link ListShare}), so the threads end together. The results are the same.
     */
    public TopK search(QueryBlock queries, int k, Exclusions exclusions, SearchParams params, ListShare share) {
        if (queries.dim() != dim()) {
            throw new IllegalArgumentException("queries dim=" + queries.dim() + ", expected " + dim());
        }
        int nprobe = params.nprobe() == 0 ? defaultNprobe() : params.nprobe();
        if (nprobe < 1 || nprobe > header.nlist()) {
            throw new OptionError(MineSettings.NPROBE, nprobe, "1 <= {nprobe} <= nlist=" + header.nlist());
        }
        int n = queries.count();
        if (n == 0) {
            TopKCollector none = new TopKCollector(1, k);
            none.reset(0, exclusions);
            return none.result();
        }
        int threads = Math.max(1, Math.min(params.threads(), header.nlist()));
        ProbePlan plan = probe(queries, nprobe, params.probeMargin(), threads, beam(params, n, nprobe));
        boolean exact = quantizer == null && codebook == null;
        if (exact && n >= SELECT_FROM && (threads == 1 || plan.lists() == 1)) {
            // One thread scans every list: each query's scores of a list join its candidates by one selection.
            return SelectingScan.search(this, kernels, data, queries, plan, k, exclusions, share);
        }
        if (exact) {
            TopKCollector main = new TopKCollector(n, k);
            main.reset(n, exclusions);
            scan(queries, null, plan, threads, main);
            return main.result();
        }
        return rescored(queries, plan, k, exclusions, params, threads,
                Runtime.getRuntime().maxMemory() / CandidateRescorer.HEAP_SHARE);
    }

    /**
     * The int8 lists' two stages for a block whose lists {@code plan} holds, in passes over consecutive queries
     * whose candidates fit in {@code budget} bytes ({@link CandidateRescorer#queriesPerPass}): a call that
     * rescores every probed row (oversample infinite, the float32 lists' recall) keeps up to the rows of every
     * list the block probes for each query, gigabytes for a few thousand queries. A query's result depends only
     * on its own lists (the plan, found once for the whole block) and candidates, never on the other queries of
     * its pass, so the passes give the result of one.
     */
    TopK rescored(QueryBlock queries, ProbePlan plan, int k, Exclusions exclusions, SearchParams params, int threads,
                  long budget) {
        int n = queries.count();
        TopKCollector main = new TopKCollector(n, k);
        main.reset(n, exclusions);
        int pass = CandidateRescorer.queriesPerPass(candidateWidth(plan, n, k, params), threads, budget);
        if (pass >= n) {
            Candidates candidates = candidates(queries, plan, k, exclusions, params, threads);
            rescorer.rescore(queries, candidates.approximate(), candidates.kept(), main, threads);
            return main.result();
        }
        float[] query = new float[dim()];
        for (int from = 0; from < n; from += pass) {
            int first = from;
            int m = Math.min(pass, n - from);
            QueryBlock part = new QueryBlock(m, dim());
            for (int q = 0; q < m; q++) {
                queries.copyTo(first + q, query);
                part.add(query);
            }
            Exclusions shifted = (q, ordinal) -> exclusions.excludes(first + q, ordinal);
            TopKCollector best = new TopKCollector(m, k);
            best.reset(m, shifted);
            Candidates candidates = candidates(part, plan.queries(first, first + m), k, shifted, params, threads);
            rescorer.rescore(part, candidates.approximate(), candidates.kept(), best, threads);
            TopK found = best.result();
            for (int q = 0; q < m; q++) {
                for (int i = 0; i < found.count(q); i++) {
                    main.offerOrdinal(first + q, found.id(q, i), found.score(q, i));
                }
            }
        }
        return main.result();
    }

    /**
     * An int8 index's candidates, before rescoring.
     *
     * @param approximate each query's best rows by approximate score, best first
     * @param kept how many of each query's are rescored
     */
    record Candidates(TopK approximate, int[] kept) {
    }

    /**
     * The approximate stage of a search over int8 or pq4 lists, and which candidates it leaves to rescore: for
     * pq4 every one kept (a code's error has no spread to cut at), for int8 those within the margin of the k-th.
     */
    Candidates candidates(QueryBlock queries, ProbePlan plan, int k, Exclusions exclusions, SearchParams params,
                          int threads) {
        int n = queries.count();
        if (codebook != null) {
            TopK best = PqListScan.candidates(this, codebook, fastScan, data, queries, plan,
                    candidateWidth(plan, n, k, params), exclusions, threads);
            int[] kept = new int[n];
            for (int q = 0; q < n; q++) {
                kept[q] = best.count(q);
            }
            return new Candidates(best, kept);
        }
        float oversample = params.oversample() == 0 ? DEFAULT_OVERSAMPLE : params.oversample();
        Int8Quantizer.Scaled scaled = quantizer.prepare(queries);
        TopKCollector approximate = new TopKCollector(Math.max(1, n), candidateWidth(plan, n, k, params));
        approximate.reset(n, exclusions);
        scan(scaled.scaled(), scaled.bases(), plan, threads, approximate);
        TopK best = approximate.result();
        int[] kept = new int[n];
        for (int q = 0; q < n; q++) {
            kept[q] = Float.isInfinite(oversample) ? best.count(q)
                    : CandidateRescorer.kept(best, q, k, scaled.spreads()[q]);
        }
        return new Candidates(best, kept);
    }

    /**
     * The candidates the approximate stage keeps per query for a block of {@code n} whose lists {@code plan}
     * holds: k x oversample (pq4 lists by default: {@link #PQ_DEFAULT_FACTOR} x k, at least
     * {@link #PQ_DEFAULT_MIN}), at most the rows of the lists one query probes (no query can have more; the rows
     * of every list the block probes would be as many as the whole index for a large block).
     */
    int candidateWidth(ProbePlan plan, int n, int k, SearchParams params) {
        float oversample = params.oversample() == 0 ? DEFAULT_OVERSAMPLE : params.oversample();
        long[] rows = new long[Math.max(1, n)];
        for (int g = 0; g < plan.lists(); g++) {
            int size = listSize(plan.list(g));
            for (int i = plan.start()[g]; i < plan.start()[g + 1]; i++) {
                rows[plan.queryIds()[i]] += size;
            }
        }
        long probed = 1;
        for (long r : rows) {
            probed = Math.max(probed, r);
        }
        double wanted = codebook != null && params.oversample() == 0
                ? Math.max((double) PQ_DEFAULT_FACTOR * k, PQ_DEFAULT_MIN) : Math.ceil((double) k * oversample);
        int most = (int) Math.min(Math.min(probed, Integer.MAX_VALUE / Math.max(1, n)), wanted);
        return Math.max(k, most);
    }

    /** What {@link #search} rescores for {@code queries} (an int8 or pq4 index): for tests. */
    Candidates candidates(QueryBlock queries, int k, Exclusions exclusions, SearchParams params) {
        int nprobe = params.nprobe() == 0 ? defaultNprobe() : params.nprobe();
        int threads = Math.max(1, Math.min(params.threads(), header.nlist()));
        return candidates(queries, probe(queries, nprobe, params.probeMargin(), threads,
                beam(params, queries.count(), nprobe)), k,
                exclusions, params, threads);
    }

    /**
     * Scans the plan's lists for their probing queries into {@code collector}, on {@code threads}
     * threads. {@code bases} is null for float32 lists; for int8 lists the queries are scaled and
     * {@code bases} completes their sums ({@link Int8Quantizer.Scaled}).
     */
    private void scan(QueryBlock queries, float[] bases, ProbePlan plan, int threads, TopKCollector collector) {
        if (threads == 1 || plan.lists() == 1) {
            scanLists(queries, bases, plan, 0, plan.lists(), collector);
            return;
        }
        kernels.prepare(queries);
        int[] bounds = balance(plan, threads);
        List<TopKCollector> parts = collector.withPartners(threads);
        SearchThreads.run("quarry-ivf", threads, t -> scanLists(queries, bases, plan, bounds[t], bounds[t + 1],
                parts.get(t)));
        collector.mergeFrom(parts);
    }

    /**
     * The {@code k} best rows of a super-block of queries read in place: query q is the {@code dim}
     * floats at byte {@code offsets[q]} of {@code rows} (a mapped store), so a batch of hundreds of
     * thousands of anchors is never copied whole. Every probed list is scored once against all of the
     * super-block's queries that probe it ({@link IvfBatchSearch}); results and scores are those of
     * {@link #search} for the same queries, whatever the threads.
     */
    public TopK searchRows(MemorySegment rows, long[] offsets, int k, Exclusions exclusions, SearchParams params) {
        if (!searchesRows(params)) {
            throw new IllegalArgumentException(describe() + " with coarse=" + params.coarse()
                    + ": a super-block search needs float32 lists and the exact coarse stage (see searchesRows)");
        }
        int nprobe = params.nprobe() == 0 ? defaultNprobe() : params.nprobe();
        if (nprobe < 1 || nprobe > header.nlist()) {
            throw new OptionError(MineSettings.NPROBE, nprobe, "1 <= {nprobe} <= nlist=" + header.nlist());
        }
        return new IvfBatchSearch(this, kernels, data).search(rows, offsets, k, exclusions, nprobe, params.probeMargin(),
                Math.max(1, params.threads()));
    }

    /**
     * Whether {@link #searchRows} serves calls with {@code params}: float32 lists, and a coarse stage that
     * scores every centroid. A super-block scores its centroids as one matrix product with the block
     * kernel, where the centroid graph costs more per query ({@link #GRAPH_VISIT_BLOCK}), so
     * {@code coarse=auto} takes the exact stage there as {@link #search} does for large blocks. An int8 or pq4
     * index (candidates rescored per block with the store's rows) and a call that asks for the graph are
     * searched block by block with {@link #search} instead.
     */
    public boolean searchesRows(SearchParams params) {
        return quantizer == null && codebook == null && params.coarse() != SearchParams.Coarse.GRAPH;
    }

    /**
     * How many queries a {@link #searchRows} call should hold for a list to be shared well: enough that
     * each list meets about {@value #QUERIES_PER_LIST} of them per thread (a list's rows then serve that
     * many dot products each time they are read), at most what keeps the call's candidates
     * ({@code k} ids and scores per query) within {@value #BATCH_CANDIDATE_BYTES} bytes.
     */
    public int batchQueries(int nprobe, int threads, int k) {
        return batchQueries(header.nlist(), nprobe == 0 ? defaultNprobe() : nprobe, threads, k);
    }

    /** {@link #batchQueries(int, int, int)} for an index of {@code nlist} lists. */
    public static int batchQueries(int nlist, int nprobe, int threads, int k) {
        long wanted = (long) QUERIES_PER_LIST * Math.max(1, threads) * nlist / Math.max(1, nprobe);
        long cap = BATCH_CANDIDATE_BYTES / (8L * Math.max(1, k));
        return (int) Math.max(1, Math.min(wanted, cap));
    }

    /** An empty block of queries for {@link #bestLists(QueryBlock, TopKCollector)}. */
    QueryBlock centroidBlock(int capacity) {
        return centroids.newBlock(Math.max(1, capacity));
    }

    /** Adds the query at byte {@code offset} of {@code rows} to a block from {@link #centroidBlock}. */
    void addToCentroidBlock(QueryBlock block, MemorySegment rows, long offset, float[] scratch) {
        centroids.add(block, rows, offset, scratch);
    }

    /** Fills {@code best} (reset for the block; its k is nprobe) with each query's best lists. */
    void bestLists(QueryBlock block, TopKCollector best) {
        centroids.best(block, best);
    }

    /** The pq4 lists' codebook, or null for other lists (for tests and probes of the search's stages). */
    PqCodebook codebook() {
        return codebook;
    }

    /** The fast-scan kernel of pq4 lists, or null for other lists (for tests and probes of the search's stages). */
    FastScanKernel fastScan() {
        return fastScan;
    }

    /** Copies list {@code list}'s corpus ordinals into {@code into[0, listSize)}. */
    void copyOrdinals(int list, int[] into) {
        MemorySegment.copy(data, ValueLayout.JAVA_INT_UNALIGNED, header.ordinalsAt() + 4L * offsets[list], into, 0,
                listSize(list));
    }

    /** The corpus ordinal of row {@code row} of list {@code list}, read from the file. */
    int ordinal(int list, int row) {
        return data.get(ValueLayout.JAVA_INT_UNALIGNED, header.ordinalsAt() + 4L * (offsets[list] + row));
    }

    /** The mapped file, which the list scans read ({@link #listVectorsAt}). */
    MemorySegment data() {
        return data;
    }

    /** Byte offset of list {@code list}'s panels (or pq4 blocks) in the file. */
    long listVectorsAt(int list) {
        return header.vectorsAt() + header.rowBytes() * panelRows[list];
    }

    /** The list each query of the block probes first (its nearest centroid). */
    public int[] firstLists(QueryBlock queries) {
        return bestLists(queries, 1, Float.POSITIVE_INFINITY, 1).lists();
    }

    /**
     * The lists a search of {@code queries} with {@code params} probes: query q's best lists, best first, at
     * {@code [q * nprobe, (q + 1) * nprobe)} (-1 where the index has fewer), found as the search finds
     * them (every centroid scored, or through the graph). The coarse stage alone, for measuring it.
     */
    public int[] probedLists(QueryBlock queries, SearchParams params) {
        int n = queries.count();
        int nprobe = params.nprobe() == 0 ? defaultNprobe() : params.nprobe();
        int threads = Math.max(1, Math.min(params.threads(), header.nlist()));
        int beam = beam(params, n, nprobe);
        float margin = params.probeMargin();
        BestLists best = beam == 0 ? bestLists(queries, nprobe, margin, threads)
                : graphLists(queries, nprobe, margin, beam, threads);
        int[] lists = best.lists().clone();
        for (int q = 0; q < n; q++) {
            Arrays.fill(lists, q * nprobe + best.counts()[q], (q + 1) * nprobe, -1);
        }
        return lists;
    }

    /**
     * Vectors a search of {@code queries} with {@code nprobe} scans in its lists (each query counted
     * against each list it probes; centroids not included): the work behind a throughput figure.
     */
    public long scannedRows(QueryBlock queries, int nprobe) {
        return scannedRows(queries, nprobe, Float.POSITIVE_INFINITY);
    }

    /** As {@link #scannedRows(QueryBlock, int)}, each query probing its lists within {@code margin} of its best. */
    public long scannedRows(QueryBlock queries, int nprobe, float margin) {
        ProbePlan plan = probe(queries, nprobe, margin, 1, 0);
        long rows = 0;
        for (int g = 0; g < plan.lists(); g++) {
            rows += (long) listSize(plan.list(g)) * plan.probers(g);
        }
        return rows;
    }

    /**
     * Rows of the store a search of {@code queries} for {@code k} rescores in float32 (an int8 or pq4 index; 0 for
     * float32 lists), over every query: with {@link #scannedRows}, the bytes behind a call's time.
     */
    public long rescoredRows(QueryBlock queries, int k, SearchParams params) {
        if (quantizer == null && codebook == null) {
            return 0;
        }
        long rows = 0;
        for (int kept : candidates(queries, k, Exclusions.NONE, params).kept()) {
            rows += kept;
        }
        return rows;
    }

    /**
     * Which queries probe which lists: the probed lists in ascending order, and for each the queries of
     * the block that probe it (ascending). Sized by the block (queries x nprobe), never by nlist.
     *
     * @param listIds the probed lists, ascending
     * @param start where each list's queries start in {@code queryIds} (one more entry than lists)
     * @param queryIds the queries, grouped by list
     */
    record ProbePlan(int[] listIds, int[] start, int[] queryIds) {
        int lists() {
            return listIds.length;
        }

        int list(int g) {
            return listIds[g];
        }

        int probers(int g) {
            return start[g + 1] - start[g];
        }

        /**
         * The plan of queries {@code [from, to)} alone, numbered from 0: each list's queries in that range (a
         * slice, as they are ascending), the lists without any left out.
         */
        ProbePlan queries(int from, int to) {
            int[] lists = new int[listIds.length];
            int[] starts = new int[listIds.length + 1];
            int[] ids = new int[queryIds.length];
            int groups = 0;
            int m = 0;
            for (int g = 0; g < listIds.length; g++) {
                int lo = SortedInts.lowerBound(queryIds, start[g], start[g + 1], from);
                int hi = SortedInts.lowerBound(queryIds, lo, start[g + 1], to);
                if (lo == hi) {
                    continue;
                }
                lists[groups] = listIds[g];
                starts[groups++] = m;
                for (int i = lo; i < hi; i++) {
                    ids[m++] = queryIds[i] - from;
                }
            }
            starts[groups] = m;
            return new ProbePlan(Arrays.copyOf(lists, groups), Arrays.copyOf(starts, groups + 1),
                    Arrays.copyOf(ids, m));
        }
    }

    /**
     * The plan of a search: each query's {@code nprobe} best lists within {@code margin} of its best one
     * ({@link #probes}), grouped by list, found by scoring every centroid ({@code beam} 0) or through the
     * centroid graph with that beam.
     */
    ProbePlan probe(QueryBlock queries, int nprobe, float margin, int threads, int beam) {
        int n = queries.count();
        BestLists best = beam == 0 ? bestLists(queries, nprobe, margin, threads)
                : graphLists(queries, nprobe, margin, beam, threads);
        // (list, query) pairs sorted: lists ascending, each list's queries ascending.
        long[] pairs = new long[n * nprobe];
        int m = 0;
        for (int q = 0; q < n; q++) {
            for (int i = 0; i < best.counts()[q]; i++) {
                pairs[m++] = (long) best.lists()[q * nprobe + i] << 32 | q;
            }
        }
        Arrays.sort(pairs, 0, m);
        int groups = 0;
        for (int i = 0; i < m; i++) {
            groups += i == 0 || pairs[i] >>> 32 != pairs[i - 1] >>> 32 ? 1 : 0;
        }
        int[] listIds = new int[groups];
        int[] start = new int[groups + 1];
        int[] queryIds = new int[m];
        int g = -1;
        for (int i = 0; i < m; i++) {
            int list = (int) (pairs[i] >>> 32);
            if (g < 0 || listIds[g] != list) {
                listIds[++g] = list;
                start[g] = i;
            }
            queryIds[i] = (int) pairs[i];
        }
        start[groups] = m;
        return new ProbePlan(listIds, start, queryIds);
    }

    /**
     * Each query's best lists, best first: {@code lists[q * nprobe + i]} for {@code i < counts[q]}.
     *
     * @param lists the lists
     * @param counts lists found per query (nprobe, unless the index has fewer)
     */
    record BestLists(int[] lists, int[] counts) {
    }

    /**
     * Each query's {@code nprobe} best lists within {@code margin} of its best one. A large block splits its
     * queries between threads; a small one splits the centroids (each thread scores every query against its
     * share, and the heaps merge), so that a trainer's batch of a few dozen anchors still uses every thread.
     */
    BestLists bestLists(QueryBlock queries, int nprobe, float margin, int threads) {
        int n = queries.count();
        int[] lists = new int[n * nprobe];
        int[] counts = new int[n];
        int byQueries = Math.max(1, Math.min(threads, n / 64));
        // A few queries' centroids cost less than handing work to another thread and waiting for it (tens of
        // microseconds, and a tail when that thread is descheduled): they are scored on the caller alone.
        if (byQueries > 1 || threads == 1 || n < SPLIT_CENTROIDS_FROM) {
            SearchThreads.run("quarry-ivf-probe", byQueries, t -> {
                int from = (int) ((long) n * t / byQueries);
                int to = (int) ((long) n * (t + 1) / byQueries);
                TopKCollector best = new TopKCollector(Math.max(1, to - from), nprobe);
                best.reset(to - from, null);
                centroids.best(block(queries, from, to), best, 0, header.nlist());
                copy(best.result(), from, nprobe, margin, lists, counts);
            });
            return new BestLists(lists, counts);
        }
        QueryBlock block = block(queries, 0, n);
        TopKCollector best = new TopKCollector(n, nprobe);
        best.reset(n, null);
        int nlist = header.nlist();
        int parts = Math.max(1, Math.min(threads, nlist / 256));
        List<TopKCollector> heaps = best.withPartners(parts);
        centroids.prepare(block); // packed once, before the threads read it
        // Shares start on panel boundaries (the small-block kernel reads the centroids in panels).
        SearchThreads.run("quarry-ivf-probe", parts, t -> centroids.best(block, heaps.get(t),
                share(nlist, t, parts), t + 1 == parts ? nlist : share(nlist, t + 1, parts)));
        best.mergeFrom(heaps);
        copy(best.result(), 0, nprobe, margin, lists, counts);
        return new BestLists(lists, counts);
    }

    /**
     * Each query's {@code nprobe} best lists within {@code margin} of its best one, through the centroid graph,
     * a beam of {@code beam} centroids; blocks of 4 queries or more split their queries between threads.
     */
    BestLists graphLists(QueryBlock queries, int nprobe, float margin, int beam, int threads) {
        int n = queries.count();
        int[] lists = new int[n * nprobe];
        int[] counts = new int[n];
        CentroidGraph g = graph;
        int parts = n < SPLIT_CENTROIDS_FROM ? 1 : Math.max(1, Math.min(threads, n));
        int width = centroids.rowWidth();
        SearchThreads.run("quarry-ivf-probe", parts, t -> {
            int from = (int) ((long) n * t / parts);
            int to = (int) ((long) n * (t + 1) / parts);
            TopKCollector best = new TopKCollector(Math.max(1, to - from), nprobe);
            best.reset(to - from, null);
            float[] query = new float[width];
            if (width > dim()) {
                query[dim()] = 1f; // the bias component of Euclidean centroids
            }
            for (int q = from; q < to; q++) {
                queries.copyTo(q, query);
                g.search(kernels, query, centroids.rows(), centroids.stride(), width, beam, best, q - from);
            }
            copy(best.result(), from, nprobe, margin, lists, counts);
        });
        return new BestLists(lists, counts);
    }

    /**
     * How many of query q's best lists ({@code top}, best first) it probes: those whose centroid scores at
     * least the best one's minus {@code margin}, the best always. The lists a query probes beyond its first
     * pay only where it sits near a boundary between cells, which is where its neighbours spill into them;
     * one deep inside its cell finds them all in the first (docs/architecture.md, "Probes by margin").
     */
    static int probes(TopK top, int q, float margin) {
        int count = top.count(q);
        if (count <= 1 || margin == Float.POSITIVE_INFINITY) {
            return count;
        }
        float floor = top.score(q, 0) - margin;
        int i = 1;
        while (i < count && top.score(q, i) >= floor) {
            i++;
        }
        return i;
    }

    /** Whether the index holds a centroid graph (built for nlist >= 1024). */
    public boolean hasGraph() {
        return graph != null;
    }

    /**
     * The centroid graph's beam when a call asks for {@code nprobe} lists and no beam: the beam the build
     * measured (or the widest it tried, when none was good enough), and at least twice nprobe.
     */
    public int defaultEf(int nprobe) {
        int measured = graph == null ? 0 : graph.quality().beam();
        return Math.max(2 * nprobe, measured > 0 ? measured : Math.min(header.nlist(), 512));
    }

    /**
     * The graph's beam a call of {@code queries} queries uses with {@code params} at {@code nprobe}, or 0
     * when it scores every centroid: what {@code coarse=auto} chooses, for reports.
     */
    public int beam(SearchParams params, int queries, int nprobe) {
        return switch (params.coarse()) {
            case EXACT -> 0;
            case AUTO -> graphPays(queries, nprobe, params.ef()) ? (params.ef() == 0 ? defaultEf(nprobe)
                    : Math.max(nprobe, params.ef())) : 0;
            case GRAPH -> {
                if (graph == null) {
                    throw new QuarryUsageException("coarse", "graph", "an index with a centroid graph ("
                            + describe() + " has none: indexes of nlist >= " + CentroidGraph.FROM_NLIST
                            + " built by this Quarry have one)");
                }
                yield params.ef() == 0 ? defaultEf(nprobe) : Math.max(nprobe, params.ef());
            }
        };
    }

    /**
     * Whether a call of {@code queries} queries finds its lists for less through the graph than by scoring
     * every centroid: only when the build found a beam good enough ({@link CentroidGraph.Quality}), and the
     * centroids that beam scores, each at {@link #GRAPH_VISIT} times the cost of a centroid in the exact
     * kernel, cost less than all nlist of them. A beam wider than the measured one scores proportionally more.
     */
    private boolean graphPays(int queries, int nprobe, int ef) {
        if (graph == null || graph.quality().beam() == 0) {
            return false;
        }
        CentroidGraph.Quality q = graph.quality();
        int beam = ef == 0 ? defaultEf(nprobe) : Math.max(nprobe, ef);
        double scored = q.scored() * Math.max(1.0, (double) beam / q.beam());
        double visit = queries < CentroidScorer.PANEL_BELOW ? GRAPH_VISIT : GRAPH_VISIT_BLOCK;
        return scored * visit < header.nlist();
    }

    /**
     * What scoring one centroid in a graph search costs, in centroids scored by the exact stage's row-lane
     * kernel (blocks of fewer than 16 queries): a dot product of its own (four accumulators, a lane
     * reduction, a random row of the centroids) and the beam's bookkeeping, against one lane of a 16-row
     * panel. Measured (bench/README.md, "Coarse stage").
     */
    static final double GRAPH_VISIT = 6;
    /** The same against the block kernel of 16 queries or more, near the FMA peak: graphs lose there. */
    static final double GRAPH_VISIT_BLOCK = 30;

    /** The stored graph, for an index rebuilt over the same centroids; null when there is none. */
    CentroidGraph storedGraph() {
        return graph;
    }

    /** Where share {@code t} of {@code parts} of {@code n} centroids starts: a multiple of a panel's rows. */
    private static int share(int n, int t, int parts) {
        return (int) ((long) n * t / parts) / RowPanels.ROWS * RowPanels.ROWS;
    }

    /** Queries {@code [from, to)} of the block, as the centroid scorer takes them. */
    private QueryBlock block(QueryBlock queries, int from, int to) {
        QueryBlock block = centroids.newBlock(Math.max(1, to - from));
        float[] scratch = new float[dim() + 1];
        MemorySegment rows = MemorySegment.ofArray(queries.rowMajor());
        for (int q = from; q < to; q++) {
            centroids.add(block, rows, 4L * dim() * q, scratch);
        }
        return block;
    }

    private static void copy(TopK top, int from, int nprobe, float margin, int[] lists, int[] counts) {
        for (int q = 0; q < top.queries(); q++) {
            counts[from + q] = probes(top, q, margin);
            for (int i = 0; i < counts[from + q]; i++) {
                lists[(from + q) * nprobe + i] = top.id(q, i);
            }
        }
    }

    /** Scans the lists of groups {@code [from, to)} of the plan for their probing queries into {@code collector}. */
    private void scanLists(QueryBlock queries, float[] bases, ProbePlan plan, int from, int to,
                           TopKCollector collector) {
        int most = 1;
        for (int g = from; g < to; g++) {
            most = Math.max(most, plan.probers(g));
        }
        QueryBlock sub = new QueryBlock(most, dim());
        float[] thresholds = new float[queries.count()];
        SubBlockSink sink = new SubBlockSink(collector, thresholds, bases);
        int[] ordinals = new int[0];
        int[] map = new int[queries.count()];
        float[] row = new float[dim()];
        for (int g = from; g < to; g++) {
            int list = plan.list(g);
            int size = listSize(list);
            int probers = plan.probers(g);
            if (size == 0) {
                continue;
            }
            sub.clear();
            for (int j = 0; j < probers; j++) {
                int q = plan.queryIds()[plan.start()[g] + j];
                map[j] = q;
                queries.copyTo(q, row);
                sub.add(row);
                thresholds[j] = sink.threshold(q);
            }
            if (ordinals.length < size) {
                ordinals = new int[Math.max(size, 2 * ordinals.length)];
            }
            MemorySegment.copy(data, ValueLayout.JAVA_INT_UNALIGNED, header.ordinalsAt() + 4L * offsets[list],
                    ordinals, 0, size);
            collector.rowsMappedBy(ordinals);
            sink.map = map;
            long at = header.vectorsAt() + (long) header.componentBytes() * dim() * panelRows[list];
            if (bases == null) {
                kernels.scorePanelsTopK(sub, data, at, size, thresholds, sink);
            } else {
                kernels.scoreCodePanelsTopK(sub, data, at, size, thresholds, sink);
            }
        }
    }

    /** Splits the plan's lists into {@code threads} contiguous ranges of similar work (list size x probing queries). */
    int[] balance(ProbePlan plan, int threads) {
        double total = 0;
        for (int g = 0; g < plan.lists(); g++) {
            total += (double) listSize(plan.list(g)) * plan.probers(g);
        }
        int[] bounds = new int[threads + 1];
        double acc = 0;
        int t = 1;
        for (int g = 0; g < plan.lists() && t < threads; g++) {
            acc += (double) listSize(plan.list(g)) * plan.probers(g);
            if (acc >= total * t / threads) {
                bounds[t++] = g + 1;
            }
        }
        while (t < threads) {
            bounds[t++] = plan.lists();
        }
        bounds[threads] = plan.lists();
        return bounds;
    }

    /** Reads every page of the index file into memory and maps it (the lists are what a search reads). */
    @Override
    public void preload() {
        mapped.load();
    }

    @Override
    public void close() {
        MappedFiles.unmapped(mapping);
        arena.close();
    }
}
