package dev.quarry.index.ivf;

import dev.quarry.options.MineSettings;
import dev.quarry.options.OptionError;
import dev.quarry.QuarryDataException;
import dev.quarry.files.ContentChecksum;
import dev.quarry.files.FileFormat;
import dev.quarry.files.UserFiles;
import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.SearchThreads;
import dev.quarry.index.TopK;
import dev.quarry.index.TopKCollector;
import dev.quarry.index.VectorIndex;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.CandidateSink;
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
 */
public final class IvfIndex implements VectorIndex {
    /** Blocks of at least this many queries split the centroids between threads. */
    private static final int SPLIT_CENTROIDS_FROM = 4;
    private final Path file;
    private final IvfHeader header;
    private final Arena arena;
    private final MemorySegment data;
    private final VectorKernels kernels;
    private final CentroidScorer centroids;
    private final long[] offsets;
    /** Where each list's vectors start, in rows of the vectors section (lists are padded to whole panels). */
    private final long[] panelRows;

    private IvfIndex(Path file, IvfHeader header, Arena arena, MemorySegment data, VectorKernels kernels) {
        this.file = file;
        this.header = header;
        this.arena = arena;
        this.data = data;
        this.kernels = kernels;
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
            panelRows[c + 1] = panelRows[c] + RowPanels.paddedRows(offsets[c + 1] - offsets[c]);
        }
        if (offsets[0] != 0 || offsets[header.nlist()] != header.count()
                || panelRows[header.nlist()] != header.vectorRows()) {
            arena.close();
            throw new QuarryDataException(file, "list offsets", "lists holding [" + offsets[0] + ", "
                    + offsets[header.nlist()] + ") in " + panelRows[header.nlist()] + " padded rows", "[0, count="
                    + header.count() + ") in vector rows=" + header.vectorRows());
        }
        for (long i = 0; i < header.count(); i++) { // a search hands these rows to the miner as they are
            int ordinal = data.get(ValueLayout.JAVA_INT_UNALIGNED, header.ordinalsAt() + 4 * i);
            if (ordinal < 0 || ordinal >= header.storeCount()) {
                arena.close();
                throw new QuarryDataException(file, "ordinal[" + i + "]", ordinal, "a row of the store it was built"
                        + " from, 0 to " + (header.storeCount() - 1));
            }
        }
    }

    /**
     * Opens an index and checks it: its header, that it was built from {@code store} (the count, dim and
     * checksum of the rows recorded at build time, {@link VectorStore#content}), and its body against the
     * checksum in its footer, which rereads the whole file once (the lists are a copy of the corpus: a
     * damaged byte there would change scores silently).
     */
    public static IvfIndex open(Path file, VectorStore store, VectorKernels kernels) {
        Arena arena = Arena.ofShared();
        UserFiles.requireInput(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer head = ByteBuffer.allocate((int) Math.min(size, IvfHeader.SIZE));
            while (head.hasRemaining() && ch.read(head, head.position()) > 0) {
                // read the header
            }
            head.flip();
            int nlist = head.remaining() >= 16 ? head.order(ByteOrder.LITTLE_ENDIAN).getInt(12) : 0;
            IvfHeader h = IvfHeader.decode(file, head, size, rebuild(file, store, nlist));
            if (h.storeCount() != store.count() || h.storeDim() != store.dim()) {
                throw new QuarryDataException(file, "built from", "a store of count=" + h.storeCount() + " dim="
                        + h.storeDim(), "the corpus it is used with, " + store.path() + ": count=" + store.count()
                        + " dim=" + store.dim() + " (" + rebuild(file, store, h.nlist()) + ")");
            }
            long checksum = store.content(null).checksum();
            if (h.storeChecksum() != checksum) {
                throw new QuarryDataException(file, "store checksum", ContentChecksum.hex(h.storeChecksum()),
                        ContentChecksum.hex(checksum) + ", the checksum of the rows of " + store.path()
                                + " (the index was built from other rows, or the corpus changed since: "
                                + rebuild(file, store, h.nlist()) + ")");
            }
            MemorySegment data = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long recorded = IvfHeader.FORMAT.readFooter(file, data.asSlice(h.footerAt(), FileFormat.FOOTER_BYTES)
                    .asByteBuffer());
            FileFormat.checkBody(file, recorded, new ContentChecksum().update(data, IvfHeader.SIZE, h.footerAt()
                    - IvfHeader.SIZE).value(), "bytes " + IvfHeader.SIZE + ".." + (h.footerAt() - 1),
                    rebuild(file, store, h.nlist()));
            return new IvfIndex(file, h, arena, data, kernels);
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

    /** The command that rebuilds {@code file} over {@code store} with {@code nlist} lists (0: the default). */
    static String rebuild(Path file, VectorStore store, int nlist) {
        return "rebuild it with quarry index build --store " + shellWord(store.path()) + " --type ivf"
                + (nlist > 0 ? " --nlist " + nlist : "") + " --output " + shellWord(file);
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
        return "ivf nlist=" + header.nlist() + " (" + file.getFileName() + ")";
    }

    @Override
    public TopK search(QueryBlock queries, int k, Exclusions exclusions, SearchParams params) {
        if (queries.dim() != dim()) {
            throw new IllegalArgumentException("queries dim=" + queries.dim() + ", expected " + dim());
        }
        int nprobe = params.nprobe() == 0 ? defaultNprobe() : params.nprobe();
        if (nprobe < 1 || nprobe > header.nlist()) {
            throw new OptionError(MineSettings.NPROBE, nprobe, "1 <= {nprobe} <= nlist=" + header.nlist());
        }
        int n = queries.count();
        TopKCollector main = new TopKCollector(Math.max(1, n), k);
        main.reset(n, exclusions);
        if (n == 0) {
            return main.result();
        }
        int threads = Math.max(1, Math.min(params.threads(), header.nlist()));
        ProbePlan plan = probe(queries, nprobe, threads);
        if (threads == 1 || plan.lists() == 1) {
            scanLists(queries, plan, 0, plan.lists(), main);
            return main.result();
        }
        kernels.prepare(queries);
        int[] bounds = balance(plan, threads);
        List<TopKCollector> parts = main.withPartners(threads);
        SearchThreads.run("quarry-ivf", threads, t -> scanLists(queries, plan, bounds[t], bounds[t + 1],
                parts.get(t)));
        main.mergeFrom(parts);
        return main.result();
    }

    /** The list each query of the block probes first (its nearest centroid). */
    public int[] firstLists(QueryBlock queries) {
        return bestLists(queries, 1, 1).lists();
    }

    /**
     * Vectors a search of {@code queries} with {@code nprobe} scans in its lists (each query counted
     * against each list it probes; centroids not included): the work behind a throughput figure.
     */
    public long scannedRows(QueryBlock queries, int nprobe) {
        ProbePlan plan = probe(queries, nprobe, 1);
        long rows = 0;
        for (int g = 0; g < plan.lists(); g++) {
            rows += (long) listSize(plan.list(g)) * plan.probers(g);
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
    }

    /** The plan of a search: each query's {@code nprobe} best lists, grouped by list. */
    ProbePlan probe(QueryBlock queries, int nprobe, int threads) {
        int n = queries.count();
        BestLists best = bestLists(queries, nprobe, threads);
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
     * Each query's {@code nprobe} best lists. A large block splits its queries between threads; a small
     * one splits the centroids (each thread scores every query against its share, and the heaps merge),
     * so that a trainer's batch of a few dozen anchors still uses every thread.
     */
    BestLists bestLists(QueryBlock queries, int nprobe, int threads) {
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
                copy(best.result(), from, nprobe, lists, counts);
            });
            return new BestLists(lists, counts);
        }
        QueryBlock block = block(queries, 0, n);
        TopKCollector best = new TopKCollector(n, nprobe);
        best.reset(n, null);
        int nlist = header.nlist();
        int parts = Math.max(1, Math.min(threads, nlist / 256));
        List<TopKCollector> heaps = best.withPartners(parts);
        // Shares start on panel boundaries (the small-block kernel reads the centroids in panels).
        SearchThreads.run("quarry-ivf-probe", parts, t -> centroids.best(block, heaps.get(t),
                share(nlist, t, parts), t + 1 == parts ? nlist : share(nlist, t + 1, parts)));
        best.mergeFrom(heaps);
        copy(best.result(), 0, nprobe, lists, counts);
        return new BestLists(lists, counts);
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

    private static void copy(TopK top, int from, int nprobe, int[] lists, int[] counts) {
        for (int q = 0; q < top.queries(); q++) {
            counts[from + q] = top.count(q);
            for (int i = 0; i < top.count(q); i++) {
                lists[(from + q) * nprobe + i] = top.id(q, i);
            }
        }
    }

    /** Scans the lists of groups {@code [from, to)} of the plan for their probing queries into {@code collector}. */
    private void scanLists(QueryBlock queries, ProbePlan plan, int from, int to, TopKCollector collector) {
        int most = 1;
        for (int g = from; g < to; g++) {
            most = Math.max(most, plan.probers(g));
        }
        QueryBlock sub = new QueryBlock(most, dim());
        float[] thresholds = new float[queries.count()];
        SubBlockSink sink = new SubBlockSink(collector, thresholds);
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
                thresholds[j] = collector.thresholds()[q];
            }
            if (ordinals.length < size) {
                ordinals = new int[Math.max(size, 2 * ordinals.length)];
            }
            MemorySegment.copy(data, ValueLayout.JAVA_INT_UNALIGNED, header.ordinalsAt() + 4L * offsets[list],
                    ordinals, 0, size);
            collector.rowsMappedBy(ordinals);
            sink.map = map;
            kernels.scorePanelsTopK(sub, data, header.vectorsAt() + 4L * dim() * panelRows[list], size, thresholds,
                    sink);
        }
    }

    /** Splits the plan's lists into {@code threads} contiguous ranges of similar work (list size x probing queries). */
    private int[] balance(ProbePlan plan, int threads) {
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
        data.load();
    }

    @Override
    public void close() {
        arena.close();
    }
}
