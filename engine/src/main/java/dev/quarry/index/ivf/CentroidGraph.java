package dev.quarry.index.ivf;

import dev.quarry.index.Exclusions;
import dev.quarry.index.TopK;
import dev.quarry.index.TopKCollector;
import dev.quarry.vector.LaneDot;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * A navigable graph over an index's centroids (NSG-style: one layer, an entry point near the centre,
 * each node's out-edges chosen from its exact nearest centroids by the relative-neighbourhood rule),
 * searched for a query's nearest centroids without scoring every one. Built from the centroids alone:
 * the exact nearest neighbours of every centroid with the block kernel ({@link CentroidScorer}, the
 * same rule that assigns rows to lists, so "nearest" is the index's own), then pruned.
 *
 * <p>A search is a beam search (a list of the {@code ef} best centroids seen; the best one not yet
 * expanded has its neighbours scored, until every listed one is expanded). The listed centroids are
 * then scored again with {@link LaneDot}'s arithmetic, the bits the exact stage computes, and offered
 * in that order: so whenever the beam holds a query's exact best lists, they are the lists the exact
 * stage picks, ties included.
 *
 * <p>Immutable and thread-safe; each search thread keeps its own visit marks (sized by nlist, made once
 * per thread, never per call).
 */
final class CentroidGraph {
    /** Out-edges per centroid at most. */
    static final int DEGREE = 32;
    /** Nearest centroids each node's edges are chosen from. */
    private static final int CANDIDATES = 64;
    /**
     * The relative-neighbourhood rule's slack on squared distances: Vamana's alpha of 1.2 on distances.
     * Above 1 keeps some longer edges, which shorten the paths a search takes.
     */
    private static final float ALPHA_SQUARED = 1.44f;

    /** Indexes with fewer lists get no graph: scoring every centroid costs less than a graph search would. */
    static final int FROM_NLIST = 1024;
    /** The beams a build measures, smallest first. */
    private static final int[] BEAMS = {8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512};
    /** The share of measured rows whose nearest centroid the default beam must find. */
    static final double AGREEMENT = 0.995;
    /** Rows of the store a build measures the graph on. */
    private static final int MEASURED_ROWS = 2000;

    private final int nlist;
    private final int degree;
    private final int entry;
    /** Node n's out-edges at {@code [n * degree, (n + 1) * degree)}, -1 after the last. */
    private final int[] edges;
    private final Quality quality;
    private final ThreadLocal<Beam> beams;

    CentroidGraph(int nlist, int degree, int entry, int[] edges, Quality quality) {
        this.nlist = nlist;
        this.degree = degree;
        this.entry = entry;
        this.edges = edges;
        this.quality = quality;
        this.beams = ThreadLocal.withInitial(() -> new Beam(nlist));
    }

    /**
     * What a build measured on rows of the store: the smallest beam that finds the nearest centroid of at
     * least {@link #AGREEMENT} of them, that share, and the centroids a search with that beam scores on
     * average. A beam of 0 means none up to 512 did: the graph is not used unless a call asks for it.
     *
     * @param beam the default beam, or 0
     * @param agreement the share of measured rows whose nearest centroid that beam found (at the largest
     *                  beam measured when none qualified)
     * @param scored centroids scored per search at that beam, on average
     * @param rows rows measured
     */
    record Quality(int beam, float agreement, float scored, int rows) {
        static final Quality UNMEASURED = new Quality(0, 0f, 0f, 0);
    }

    Quality quality() {
        return quality;
    }

    int nlist() {
        return nlist;
    }

    int degree() {
        return degree;
    }

    int entry() {
        return entry;
    }

    /** Node n's out-edges (-1 after the last), a copy. */
    int[] edges(int n) {
        return Arrays.copyOfRange(edges, n * degree, (n + 1) * degree);
    }

    /** The edge arrays as stored: for writing. */
    int[] edges() {
        return edges;
    }

    /**
     * Builds the graph of {@code scorer}'s centroids ({@code centroids}: nlist x dim, row-major) on
     * {@code threads} threads. Deterministic: the same centroids give the same graph for any thread count.
     */
    static CentroidGraph build(VectorKernels kernels, CentroidScorer scorer, float[] centroids, int nlist, int dim,
                               int threads) {
        int degree = Math.min(DEGREE, Math.max(1, nlist - 1));
        int candidates = Math.min(CANDIDATES, nlist - 1);
        int[] edges = new int[nlist * degree];
        Arrays.fill(edges, -1);
        if (nlist == 1) {
            return new CentroidGraph(1, degree, 0, edges, Quality.UNMEASURED);
        }
        TopK near = nearest(scorer, centroids, nlist, dim, candidates, threads);
        Geometry g = new Geometry(kernels, scorer, nlist, dim);
        // Each node's edges from its own nearest centroids, then every edge offered back (undirected
        // reachability), each node pruned again to its degree.
        int[][] chosen = new int[nlist][];
        dev.quarry.index.SearchThreads.run("quarry-ivf-graph", threads, t -> {
            for (int c = t; c < nlist; c += threads) {
                int[] pool = new int[near.count(c)];
                for (int i = 0; i < pool.length; i++) {
                    pool[i] = near.id(c, i);
                }
                chosen[c] = g.prune(c, pool, degree);
            }
        });
        int[][] pools = new int[nlist][];
        int[] sizes = new int[nlist];
        for (int c = 0; c < nlist; c++) {
            pools[c] = Arrays.copyOf(chosen[c], chosen[c].length + 8);
            sizes[c] = chosen[c].length;
        }
        for (int c = 0; c < nlist; c++) {
            for (int n : chosen[c]) {
                if (!contains(pools[n], sizes[n], c)) {
                    if (sizes[n] == pools[n].length) {
                        pools[n] = Arrays.copyOf(pools[n], 2 * pools[n].length);
                    }
                    pools[n][sizes[n]++] = c;
                }
            }
        }
        dev.quarry.index.SearchThreads.run("quarry-ivf-graph", threads, t -> {
            for (int c = t; c < nlist; c += threads) {
                int[] pool = g.byDistance(c, Arrays.copyOf(pools[c], sizes[c]));
                int[] kept = pool.length <= degree ? pool : g.prune(c, pool, degree);
                System.arraycopy(kept, 0, edges, c * degree, kept.length);
            }
        });
        int entry = g.medoid(nlist);
        connect(edges, degree, nlist, entry, g);
        return new CentroidGraph(nlist, degree, entry, edges, Quality.UNMEASURED);
    }

    /**
     * This graph with its quality measured on up to {@link #MEASURED_ROWS} rows of {@code store} spread
     * evenly over it: each row's nearest centroid by the exact stage, against a search with each beam of
     * {@link #BEAMS} in turn until one finds it for {@link #AGREEMENT} of the rows.
     */
    CentroidGraph measured(VectorKernels kernels, CentroidScorer scorer, dev.quarry.store.VectorStore store) {
        int n = (int) Math.min(MEASURED_ROWS, store.count());
        if (n == 0 || nlist < 2) {
            return this;
        }
        QueryBlock block = scorer.newBlock(n);
        float[] scratch = new float[scorer.rowWidth()];
        for (int i = 0; i < n; i++) {
            scorer.add(block, store.segment(), store.rowOffset(store.count() * i / n), scratch);
        }
        TopKCollector exact = new TopKCollector(n, 1);
        exact.reset(n, null);
        scorer.best(block, exact);
        TopK truth = exact.result();
        Quality quality = Quality.UNMEASURED;
        float[] query = new float[scorer.rowWidth()];
        for (int beam : BEAMS) {
            if (beam > nlist) {
                break;
            }
            TopKCollector found = new TopKCollector(n, 1);
            found.reset(n, null);
            long scored = 0;
            for (int i = 0; i < n; i++) {
                System.arraycopy(block.rowMajor(), i * scorer.rowWidth(), query, 0, scorer.rowWidth());
                scored += search(kernels, query, scorer.rows(), scorer.stride(), scorer.rowWidth(), beam, found, i);
            }
            TopK top = found.result();
            int same = 0;
            for (int i = 0; i < n; i++) {
                same += top.count(i) > 0 && top.id(i, 0) == truth.id(i, 0) ? 1 : 0;
            }
            float agreement = (float) same / n;
            quality = new Quality(agreement >= AGREEMENT ? beam : 0, agreement, (float) scored / n, n);
            if (agreement >= AGREEMENT) {
                break;
            }
        }
        return new CentroidGraph(nlist, degree, entry, edges, quality);
    }

    /** Writes the section's head (the first 20 of its {@link IvfHeader#GRAPH_HEAD} bytes; the rest are zero). */
    void writeHead(java.nio.ByteBuffer head) {
        head.putInt(entry).putInt(quality.beam()).putFloat(quality.agreement()).putFloat(quality.scored())
                .putInt(quality.rows());
    }

    /** The graph stored at byte {@code at} of an index file, every field checked. */
    static CentroidGraph read(java.nio.file.Path file, MemorySegment data, long at, int nlist, int degree) {
        ValueLayout.OfInt i32 = ValueLayout.JAVA_INT_UNALIGNED;
        ValueLayout.OfFloat f32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
        int entry = data.get(i32, at);
        Quality quality = new Quality(data.get(i32, at + 4), data.get(f32, at + 8), data.get(f32, at + 12),
                data.get(i32, at + 16));
        if (entry < 0 || entry >= nlist) {
            throw new dev.quarry.QuarryDataException(file, "graph entry", entry, "a centroid, 0 to " + (nlist - 1));
        }
        if (quality.beam() < 0 || quality.beam() > nlist || !(quality.agreement() >= 0 && quality.agreement() <= 1)
                || !(quality.scored() >= 0 && quality.scored() <= nlist) || quality.rows() < 0) {
            throw new dev.quarry.QuarryDataException(file, "graph quality", quality, "beam 0 to nlist=" + nlist
                    + ", agreement 0 to 1, centroids scored 0 to nlist, rows >= 0");
        }
        int[] edges = new int[Math.multiplyExact(nlist, degree)];
        MemorySegment.copy(data, i32, at + IvfHeader.GRAPH_HEAD, edges, 0, edges.length);
        for (int i = 0; i < edges.length; i++) {
            if (edges[i] < -1 || edges[i] >= nlist) {
                throw new dev.quarry.QuarryDataException(file, "graph edge[" + i + "]", edges[i],
                        "-1 or a centroid, 0 to " + (nlist - 1));
            }
        }
        return new CentroidGraph(nlist, degree, entry, edges, quality);
    }

    /** Each centroid's nearest others by the index's own rule, best first. */
    private static TopK nearest(CentroidScorer scorer, float[] centroids, int nlist, int dim, int k, int threads) {
        TopKCollector best = new TopKCollector(nlist, k);
        best.reset(nlist, (query, ordinal) -> query == ordinal);
        int parts = Math.max(1, Math.min(threads, nlist / 256));
        java.util.List<TopKCollector> heaps = best.withPartners(parts);
        QueryBlock block = scorer.newBlock(nlist);
        MemorySegment rows = MemorySegment.ofArray(centroids);
        float[] scratch = new float[dim + 1];
        for (int c = 0; c < nlist; c++) {
            scorer.add(block, rows, 4L * dim * c, scratch);
        }
        scorer.prepare(block);
        dev.quarry.index.SearchThreads.run("quarry-ivf-graph", parts, t -> {
            int from = (int) ((long) nlist * t / parts) / 16 * 16;
            int to = t + 1 == parts ? nlist : (int) ((long) nlist * (t + 1) / parts) / 16 * 16;
            scorer.best(block, heaps.get(t), from, to);
        });
        best.mergeFrom(heaps);
        return best.result();
    }

    private static boolean contains(int[] a, int size, int x) {
        for (int i = 0; i < size; i++) {
            if (a[i] == x) {
                return true;
            }
        }
        return false;
    }

    /**
     * Makes every centroid reachable from the entry: a breadth-first walk, and each centroid it misses is
     * linked from its nearest reached one (replacing that node's last edge when it has no free slot), as
     * NSG's spanning step does.
     */
    private static void connect(int[] edges, int degree, int nlist, int entry, Geometry g) {
        boolean[] reached = new boolean[nlist];
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        reached[entry] = true;
        queue.add(entry);
        int count = walk(edges, degree, reached, queue);
        while (count < nlist) {
            int missing = 0;
            while (reached[missing]) {
                missing++;
            }
            int from = -1;
            float best = Float.POSITIVE_INFINITY;
            for (int c = 0; c < nlist; c++) {
                if (reached[c]) {
                    float d = g.distance(c, missing);
                    if (d < best || (d == best && c < from)) {
                        best = d;
                        from = c;
                    }
                }
            }
            int slot = from * degree;
            while (slot < (from + 1) * degree - 1 && edges[slot] >= 0) {
                slot++;
            }
            edges[slot] = missing;
            reached[missing] = true;
            queue.add(missing);
            count += 1 + walk(edges, degree, reached, queue);
        }
    }

    /** Breadth-first from the queued nodes; returns how many new nodes it reached. */
    private static int walk(int[] edges, int degree, boolean[] reached, ArrayDeque<Integer> queue) {
        int count = queue.size() == 1 && reached[queue.peek()] ? 1 : 0;
        int added = 0;
        while (!queue.isEmpty()) {
            int n = queue.poll();
            for (int i = n * degree; i < (n + 1) * degree && edges[i] >= 0; i++) {
                if (!reached[edges[i]]) {
                    reached[edges[i]] = true;
                    queue.add(edges[i]);
                    added++;
                }
            }
        }
        return count + added;
    }

    /**
     * Offers query {@code q}'s best centroids to {@code out} (its k is how many): a beam search of
     * {@code ef} centroids from the entry, the beam then scored with {@link LaneDot}.
     *
     * @param query the query as the centroid scorer takes it (with the bias component's 1 when Euclidean)
     * @param rows the centroids as the scorer holds them ({@link CentroidScorer#rows()}), row-major
     * @return centroids scored
     */
    int search(VectorKernels kernels, float[] query, MemorySegment rows, long stride, int width, int ef,
               TopKCollector out, int q) {
        Beam beam = beams.get();
        beam.start(Math.max(ef, out.k()));
        int scored = 1;
        beam.visit(entry);
        beam.insert(entry, kernels.dot(query, rows, stride * entry, width));
        for (int next = beam.nextUnexpanded(); next >= 0; next = beam.nextUnexpanded()) {
            int node = beam.ids[next];
            beam.expanded[next] = true;
            for (int i = node * degree, end = i + degree; i < end; i++) {
                int n = edges[i];
                if (n < 0) {
                    break;
                }
                if (beam.visit(n)) {
                    scored++;
                    beam.insert(n, kernels.dot(query, rows, stride * n, width));
                }
            }
        }
        for (int i = 0; i < beam.size; i++) {
            int c = beam.ids[i];
            out.offerOrdinal(q, c, LaneDot.dot(query, rows, stride * c, width));
        }
        return scored;
    }

    /** One thread's beam and visit marks (an epoch per centroid, so no clearing between searches). */
    private static final class Beam {
        private final int[] marks;
        private int epoch;
        int[] ids = new int[0];
        float[] scores = new float[0];
        boolean[] expanded = new boolean[0];
        int size;
        int capacity;
        /** Where to look for the best unexpanded entry: no unexpanded entry lies before it. */
        private int cursor;

        Beam(int nlist) {
            this.marks = new int[nlist];
        }

        void start(int ef) {
            if (ids.length < ef) {
                ids = new int[ef];
                scores = new float[ef];
                expanded = new boolean[ef];
            }
            capacity = ef;
            size = 0;
            cursor = 0;
            if (++epoch == 0) { // wrapped after 2^32 searches: clear once
                Arrays.fill(marks, 0);
                epoch = 1;
            }
        }

        /** Marks centroid c visited; false when it already was. */
        boolean visit(int c) {
            if (marks[c] == epoch) {
                return false;
            }
            marks[c] = epoch;
            return true;
        }

        /** Inserts (c, s) in score order (descending, ties by id), dropping the worst when full. */
        void insert(int c, float s) {
            if (!(s == s)) {
                return; // NaN never ranks
            }
            int at = size;
            if (size == capacity) {
                if (!better(s, c, scores[size - 1], ids[size - 1])) {
                    return;
                }
                at = size - 1;
            } else {
                size++;
            }
            while (at > 0 && better(s, c, scores[at - 1], ids[at - 1])) {
                ids[at] = ids[at - 1];
                scores[at] = scores[at - 1];
                expanded[at] = expanded[at - 1];
                at--;
            }
            ids[at] = c;
            scores[at] = s;
            expanded[at] = false;
            cursor = Math.min(cursor, at);
        }

        /** The position of the best entry not yet expanded, or -1. */
        int nextUnexpanded() {
            while (cursor < size && expanded[cursor]) {
                cursor++;
            }
            return cursor < size ? cursor : -1;
        }

        private static boolean better(float s1, int id1, float s2, int id2) {
            return s1 > s2 || (s1 == s2 && id1 < id2);
        }
    }

    /** Distances between centroids, for building: squared Euclidean, from inner products and norms. */
    private static final class Geometry {
        private final VectorKernels kernels;
        private final MemorySegment rows;
        private final long stride;
        private final float[] norms;
        private final int dim;

        /** The centroids as the scorer holds them (a row may carry the bias after its {@code dim} components). */
        Geometry(VectorKernels kernels, CentroidScorer scorer, int nlist, int dim) {
            this.kernels = kernels;
            this.rows = scorer.rows();
            this.stride = scorer.stride();
            this.dim = dim;
            this.norms = new float[nlist];
            for (int c = 0; c < nlist; c++) {
                norms[c] = kernels.squaredNorm(rows, stride * c, dim);
            }
        }

        float distance(int a, int b) {
            return Math.max(0f, norms[a] + norms[b] - 2 * kernels.dot(rows, stride * a, rows, stride * b, dim));
        }

        /** {@code pool} sorted by distance from c (ties by id). */
        int[] byDistance(int c, int[] pool) {
            long[] keyed = new long[pool.length];
            for (int i = 0; i < pool.length; i++) {
                keyed[i] = (long) Float.floatToIntBits(distance(c, pool[i])) << 32 | pool[i];
            }
            Arrays.sort(keyed); // distances are >= 0, so their bits sort as the floats do
            int[] out = new int[pool.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = (int) keyed[i];
            }
            return out;
        }

        /**
         * The relative-neighbourhood rule over {@code pool} (nearest first): a candidate is kept unless a
         * kept neighbour is nearer to it, by the factor alpha, than c is. At most {@code degree} kept; if the
         * rule keeps fewer than half the degree, the nearest pruned ones fill up to half (short lists cost
         * visits, not recall).
         */
        int[] prune(int c, int[] pool, int degree) {
            int[] kept = new int[degree];
            int size = 0;
            boolean[] taken = new boolean[pool.length];
            for (int i = 0; i < pool.length && size < degree; i++) {
                int p = pool[i];
                float dp = distance(c, p);
                boolean occluded = false;
                for (int j = 0; j < size && !occluded; j++) {
                    occluded = ALPHA_SQUARED * distance(kept[j], p) < dp;
                }
                if (!occluded) {
                    kept[size++] = p;
                    taken[i] = true;
                }
            }
            for (int i = 0; i < pool.length && size < degree / 2; i++) {
                if (!taken[i]) {
                    kept[size++] = pool[i];
                }
            }
            return Arrays.copyOf(kept, size);
        }

        /** The centroid nearest the centroids' mean. */
        int medoid(int nlist) {
            double[] mean = new double[dim];
            for (int c = 0; c < nlist; c++) {
                for (int i = 0; i < dim; i++) {
                    mean[i] += rows.get(ValueLayout.JAVA_FLOAT_UNALIGNED, stride * c + 4L * i);
                }
            }
            int best = 0;
            double bestDistance = Double.POSITIVE_INFINITY;
            for (int c = 0; c < nlist; c++) {
                double d = 0;
                for (int i = 0; i < dim; i++) {
                    double x = rows.get(ValueLayout.JAVA_FLOAT_UNALIGNED, stride * c + 4L * i) - mean[i] / nlist;
                    d += x * x;
                }
                if (d < bestDistance) {
                    bestDistance = d;
                    best = c;
                }
            }
            return best;
        }
    }
}
