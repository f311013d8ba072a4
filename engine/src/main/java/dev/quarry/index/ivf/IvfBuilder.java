package dev.quarry.index.ivf;

import dev.quarry.Progress;
import dev.quarry.QuarryDataException;
import dev.quarry.files.OutputClaim;
import dev.quarry.files.AtomicOutput;
import dev.quarry.files.FileFormat;
import dev.quarry.store.StoreInspector;
import dev.quarry.store.StoreContent;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.RowPanels;
import dev.quarry.vector.VectorKernels;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Builds a {@code .qivf} inverted-file index over a store: trains k-means (spherical when the rows are
 * unit-norm), assigns every row to its best centroid with the block kernel on all threads, and writes
 * the lists list-major (ordinals ascending within a list, then their vectors in the same order), so
 * probing a list is one sequential read. The file only appears once complete.
 */
public final class IvfBuilder {
    private final VectorKernels kernels;
    /** Sub-spaces of pq4 lists; 0 for {@link PqCodebook#defaultSubspaces}. */
    private final int pqSubspaces;

    public IvfBuilder(VectorKernels kernels) {
        this(kernels, 0);
    }

    /** A builder whose pq4 lists have {@code pqSubspaces} sub-spaces (0: {@link PqCodebook#defaultSubspaces}). */
    public IvfBuilder(VectorKernels kernels, int pqSubspaces) {
        if (pqSubspaces < 0) {
            throw new dev.quarry.QuarryUsageException("pq-subspaces", pqSubspaces, "0 (the default) or a divisor of dim");
        }
        this.kernels = kernels;
        this.pqSubspaces = pqSubspaces;
    }

    /**
     * What a build produced.
     *
     * @param file the index written
     * @param nlist lists
     * @param spherical whether k-means was spherical
     * @param training k-means figures
     * @param minList smallest list
     * @param maxList largest list
     * @param emptyLists lists with no vector after the final assignment
     * @param imbalance FAISS's imbalance factor: nlist x sum(size^2) / count^2 (1 is perfectly even)
     * @param seconds wall time of the whole build
     * @param assignSeconds wall time of the final assignment of every row to its list
     * @param writeSeconds wall time of writing the index file (the lists in panels), after the assignment
     */
    public record Report(Path file, int nlist, boolean spherical, KMeans.Result training, int minList, int maxList,
                         int emptyLists, double imbalance, double seconds, ListEncoding encoding,
                         CentroidGraph.Quality graph, double assignSeconds, double writeSeconds) {
        /** One line for the command line. */
        public String describe() {
            return String.format(Locale.ROOT, "%s: nlist=%d (%s k-means on %,d points, empty "
                            + "clusters repaired: %d), %s lists, sizes min %,d max %,d, %d empty, imbalance %.2f, "
                            + "trained in %.1fs, built in %.1fs%s", file, nlist, spherical ? "spherical" : "euclidean",
                    training.sample(), training.emptyRepaired(), encoding.label(), minList, maxList, emptyLists,
                    imbalance, training.seconds(), seconds, graph == null ? "" : "; " + describe(graph));
        }

        private static String describe(CentroidGraph.Quality q) {
            return q.beam() > 0
                    ? String.format(Locale.ROOT, "centroid graph: a beam of %d finds the nearest centroid of %.1f%%"
                    + " of %,d rows, scoring %.0f centroids a search", q.beam(), 100 * q.agreement(), q.rows(), q.scored())
                    : String.format(Locale.ROOT, "centroid graph not used by default: the widest beam measured found"
                    + " the nearest centroid of only %.1f%% of %,d rows (these centroids give a search no direction;"
                    + " coarse=graph still asks for it)", 100 * q.agreement(), q.rows());
        }
    }

    /** The default number of lists for {@code count} vectors: about 4 x sqrt(count). */
    public static int defaultNlist(long count) {
        return (int) Math.max(1, Math.min(count, Math.round(4 * Math.sqrt(count))));
    }

    /** Trains and writes the index of {@code store} to {@code output}, with float32 lists. */
    public Report build(VectorStore store, KMeansParams params, Path output, PrintWriter progress) {
        return build(store, params, ListEncoding.FLOAT32, output, progress);
    }

    /** Trains and writes the index of {@code store} to {@code output}, its lists stored as {@code encoding}. */
    public Report build(VectorStore store, KMeansParams params, ListEncoding encoding, Path output,
                        PrintWriter progress) {
        try (OutputClaim claim = OutputClaim.builder().input("store", store.isFile() ? store.path() : null)
                .output(output).claim()) {
            return buildClaimed(store, params, encoding, output, progress);
        }
    }

    /**
     * Writes an index of {@code store} to {@code output} with the centroids of {@code existing}, no
     * training: every row is assigned to its nearest existing centroid. For a corpus re-embedded by a
     * newer model (same rows, vectors moved a little): the lists follow the new vectors at the cost of
     * one assignment pass, and the centroids stay where they were. The lists keep the existing index's
     * encoding (an int8 quantizer, or a pq4 codebook of the same sub-spaces, is fitted to the new rows).
     */
    public Report reassign(VectorStore store, IvfIndex existing, int threads, Path output, PrintWriter progress) {
        if (store.dim() != existing.dim()) {
            throw new QuarryDataException(store.path(), "dim", store.dim(), existing.dim() + " as the index "
                    + existing.describe());
        }
        try (OutputClaim claim = OutputClaim.builder().input("store", store.isFile() ? store.path() : null)
                .output(output).claim()) {
            long start = System.nanoTime();
            KMeans.Result kept = new KMeans.Result(existing.centroids(), 0, 0, Double.NaN, 0);
            KMeansParams params = new KMeansParams(existing.nlist(), 1, 1, 0, existing.spherical(), existing.seed(),
                    threads);
            IvfBuilder same = existing.encoding() == ListEncoding.PQ4
                    ? new IvfBuilder(kernels, existing.pqSubspaces()) : this;
            return same.lists(store, params, existing.encoding(), kept, existing.storedGraph(), output, progress, start);
        }
    }

    /**
     * Writes the index of {@code store} with centroids trained beforehand ({@code trained}, for
     * {@code params.k()} lists), its lists stored as {@code encoding}: what a build that compared several
     * nlist values keeps of the chosen one. The centroid graph is built as {@link #build} builds it.
     */
    public Report build(VectorStore store, KMeansParams params, ListEncoding encoding, KMeans.Result trained,
                        Path output, PrintWriter progress) {
        try (OutputClaim claim = OutputClaim.builder().input("store", store.isFile() ? store.path() : null)
                .output(output).claim()) {
            checkEncoding(store, encoding);
            long start = System.nanoTime() - secondsToNanos(trained);
            CentroidGraph graph = params.k() < CentroidGraph.FROM_NLIST ? null : graph(store, params, trained);
            return lists(store, params, encoding, trained, graph, output, progress, start);
        }
    }

    /** Refuses pq4 sub-spaces that do not split the store's dim. */
    private void checkEncoding(VectorStore store, ListEncoding encoding) {
        if (encoding == ListEncoding.PQ4 && pqSubspaces != 0) {
            PqCodebook.checkSubspaces(store.dim(), pqSubspaces);
        }
    }

    private static long secondsToNanos(KMeans.Result trained) {
        return (long) (trained.seconds() * 1e9);
    }

    private Report buildClaimed(VectorStore store, KMeansParams params, ListEncoding encoding, Path output,
                                PrintWriter progress) {
        long start = System.nanoTime();
        checkEncoding(store, encoding); // before minutes of k-means, not after them
        store.content(progress).requireFinite(store, "store to index");
        store.checkRows(); // before training: the build reads every row, so a damaged store fails now, not later
        KMeans.Result trained = new KMeans(kernels).train(store, params, progress);
        CentroidGraph graph = params.k() < CentroidGraph.FROM_NLIST ? null : graph(store, params, trained);
        return lists(store, params, encoding, trained, graph, output, progress, start);
    }

    /** The centroid graph of trained centroids, measured on rows of the store. */
    private CentroidGraph graph(VectorStore store, KMeansParams params, KMeans.Result trained) {
        try (Arena arena = Arena.ofShared()) {
            CentroidScorer scorer = CentroidScorer.of(kernels, trained.centroids(), params.k(), store.dim(),
                    !params.spherical(), arena);
            return CentroidGraph.build(kernels, scorer, trained.centroids(), params.k(), store.dim(), params.threads())
                    .measured(kernels, scorer, store);
        }
    }

    /** Assigns every row to its best centroid and writes the index file. */
    private Report lists(VectorStore store, KMeansParams params, ListEncoding encoding, KMeans.Result trained,
                         CentroidGraph graph, Path output, PrintWriter progress, long start) {
        StoreContent content = store.content(progress);
        content.requireFinite(store, "store to index");
        store.checkRows(); // every row is read below: they must be the rows whose checksum the index records
        int k = params.k();
        int dim = store.dim();
        int count = Math.toIntExact(store.count());
        int[] assign = new int[count];
        float[] best = new float[count];
        Progress assigned = new Progress("assign rows to lists", "rows", count, progress);
        long assignStart = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(params.threads())) {
            new KMeans(kernels).assign(pool, params.threads(), store.segment(), store.rowOffset(0), store.rowStride(),
                    count, dim, trained.centroids(), k, !params.spherical(), assign, best, assigned);
        }
        assigned.finish();
        long assignEnd = System.nanoTime();
        long[] offsets = new long[k + 1];
        for (int a : assign) {
            offsets[a + 1]++;
        }
        for (int c = 0; c < k; c++) {
            offsets[c + 1] += offsets[c];
        }
        int[] ordinals = new int[count];
        long[] fill = offsets.clone();
        for (int i = 0; i < count; i++) {
            ordinals[(int) fill[assign[i]]++] = i;
        }
        long vectorRows = 0;
        for (int c = 0; c < k; c++) {
            vectorRows += IvfHeader.paddedRows(encoding.code(), offsets[c + 1] - offsets[c]);
        }
        PqCodes pq = null;
        if (encoding == ListEncoding.PQ4) {
            int m = pqSubspaces == 0 ? PqCodebook.defaultSubspaces(dim) : pqSubspaces;
            PqCodebook.checkSubspaces(dim, m);
            pq = PqCodes.of(PqCodebook.train(store, m, PqCodebook.DEFAULT_SAMPLE, params.seed(), kernels,
                    params.threads()), store, params.threads());
        }
        IvfHeader header = new IvfHeader(params.spherical() ? IvfHeader.SPHERICAL : IvfHeader.EUCLIDEAN, dim, k, count,
                trained.sample(), params.seed(), store.count(), dim, vectorRows, content.checksum(), encoding.code(),
                graph == null ? 0 : graph.degree(), pq == null ? 0 : pq.codebook().subspaces());
        Int8Quantizer quantizer = encoding == ListEncoding.INT8 ? Int8Quantizer.train(store) : null;
        write(store, header, trained.centroids(), offsets, ordinals, quantizer, pq, graph, output, progress);
        long writeEnd = System.nanoTime();
        int min = Integer.MAX_VALUE;
        int max = 0;
        int empty = 0;
        double squares = 0;
        for (int c = 0; c < k; c++) {
            int size = (int) (offsets[c + 1] - offsets[c]);
            min = Math.min(min, size);
            max = Math.max(max, size);
            empty += size == 0 ? 1 : 0;
            squares += (double) size * size;
        }
        double imbalance = count == 0 ? 1 : k * squares / ((double) count * count);
        return new Report(output, k, params.spherical(), trained, min, max, empty, imbalance,
                (System.nanoTime() - start) / 1e9, encoding, graph == null ? null : graph.quality(),
                (assignEnd - assignStart) / 1e9, (writeEnd - assignEnd) / 1e9);
    }

    /** Whether a store's rows are unit-norm (flag, or an even sample of them measured). */
    public static boolean unitNorm(VectorStore store, VectorKernels kernels) {
        return store.normalized() || new StoreInspector(kernels).inspect(store, false, null).unitNorm(1e-3);
    }

    private static void write(VectorStore store, IvfHeader header, float[] centroids, long[] offsets, int[] ordinals,
                              Int8Quantizer quantizer, PqCodes pq, CentroidGraph graph, Path output,
                              PrintWriter progress) {
        try (AtomicOutput out = AtomicOutput.create(output)) {
            SectionWriter w = new SectionWriter(out.channel()::write, IvfHeader.SIZE);
            w.seek(header.centroidsAt());
            for (float c : centroids) {
                w.room(4).putFloat(c);
            }
            w.seek(header.offsetsAt());
            for (long o : offsets) {
                w.room(8).putLong(o);
            }
            w.seek(header.ordinalsAt());
            for (int o : ordinals) {
                w.room(4).putInt(o);
            }
            if (quantizer != null) {
                w.seek(header.quantizerAt());
                quantizer.write(w.room(8 * quantizer.dim()));
            }
            if (pq != null) {
                w.seek(header.quantizerAt());
                for (float c : pq.codebook().centroids()) {
                    w.room(4).putFloat(c);
                }
                w.seek(header.vectorsAt());
                Progress written = new Progress("write lists", "rows", ordinals.length, progress);
                for (int c = 0; c + 1 < offsets.length; c++) {
                    pq.writeList(w, ordinals, (int) offsets[c], (int) (offsets[c + 1] - offsets[c]));
                    written.advance(offsets[c + 1] - offsets[c]);
                }
                written.finish();
            } else {
                writeLists(w, store, header, offsets, ordinals, quantizer, progress);
            }
            if (graph != null) {
                w.seek(header.graphAt());
                graph.writeHead(w.room(IvfHeader.GRAPH_HEAD));
                w.seek(header.graphAt() + IvfHeader.GRAPH_HEAD);
                for (int e : graph.edges()) {
                    w.room(4).putInt(e);
                }
            }
            w.seek(header.footerAt());
            long body = w.finish();
            writeAt(out.channel(), FileFormat.footer(body), header.footerAt());
            writeAt(out.channel(), header.encode(), 0);
            out.commit();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + output, e);
        }
    }

    /** Every list's vectors, float32 or int8, in panels of 16. */
    private static void writeLists(SectionWriter w, VectorStore store, IvfHeader header, long[] offsets, int[] ordinals,
                                   Int8Quantizer quantizer, PrintWriter progress) throws IOException {
        w.seek(header.vectorsAt());
        byte[][] codes = quantizer == null ? null : new byte[RowPanels.ROWS][store.dim()];
        Progress written = new Progress("write lists", "rows", ordinals.length, progress);
        for (int c = 0; c + 1 < offsets.length; c++) {
            for (long first = offsets[c]; first < offsets[c + 1]; first += RowPanels.ROWS) {
                int rows = (int) Math.min(RowPanels.ROWS, offsets[c + 1] - first);
                if (quantizer == null) {
                    writePanel(w, store, ordinals, first, rows);
                } else {
                    writeCodePanel(w, store, quantizer, ordinals, first, rows, codes);
                }
                written.advance(rows);
            }
        }
        written.finish();
    }

    /** One panel of a list: rows {@code ordinals[first, first + rows)} component-major, zero rows after them. */
    private static void writePanel(SectionWriter w, VectorStore store, int[] ordinals, long first, int rows)
            throws IOException {
        MemorySegment src = store.segment();
        long[] at = new long[rows];
        for (int r = 0; r < rows; r++) {
            at[r] = store.rowOffset(ordinals[(int) first + r]);
        }
        for (int i = 0; i < store.dim(); i++) {
            ByteBuffer out = w.room(4 * RowPanels.ROWS);
            for (int r = 0; r < RowPanels.ROWS; r++) {
                out.putFloat(r < rows ? src.get(ValueLayout.JAVA_FLOAT_UNALIGNED, at[r] + 4L * i) : 0f);
            }
        }
    }

    /** One panel of a list as int8 codes: component i of the panel's 16 rows is 16 bytes, zero codes after the rows. */
    private static void writeCodePanel(SectionWriter w, VectorStore store, Int8Quantizer quantizer, int[] ordinals,
                                       long first, int rows, byte[][] codes) throws IOException {
        MemorySegment src = store.segment();
        for (int r = 0; r < rows; r++) {
            long at = store.rowOffset(ordinals[(int) first + r]);
            for (int i = 0; i < store.dim(); i++) {
                codes[r][i] = quantizer.code(i, src.get(ValueLayout.JAVA_FLOAT_UNALIGNED, at + 4L * i));
            }
        }
        for (int i = 0; i < store.dim(); i++) {
            ByteBuffer out = w.room(RowPanels.ROWS);
            for (int r = 0; r < RowPanels.ROWS; r++) {
                out.put(r < rows ? codes[r][i] : 0);
            }
        }
    }

    private static void writeAt(FileChannel ch, ByteBuffer bytes, long position) throws IOException {
        while (bytes.hasRemaining()) {
            position += ch.write(bytes, position);
        }
    }
}
