package dev.quarry.index.ivf;

import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.FastScanKernel;
import dev.quarry.vector.FastScanLayout;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * A one-query search over pq4 lists taken apart by subtraction, the hot path without timers: each round times,
 * on the same query one after another (the order rotating), the pieces a search is made of, one thread:
 * <ul>
 * <li>{@code probe}: the coarse stage and the plan ({@link IvfIndex#probe});
 * <li>{@code tables}: the query's uint8 tables ({@link PqCodebook#tables});
 * <li>{@code kernel}: the fast-scan kernel over every probed list, one call a list, into one reused array (no
 *     ordinals, no offers);
 * <li>{@code ordinals}: every probed list's ordinals copied;
 * <li>{@code scan}: the approximate stage as a search runs it ({@link PqListScan#candidates}: tables, kernel,
 *     ordinals, offers, its allocations), the plan given;
 * <li>{@code search}: the whole search ({@link IvfIndex#search}: probe, scan, float32 rescoring of R);
 * <li>{@code long}: the kernel over as many blocks as the probed lists hold, in one call from the first list on
 *     (lists are stored one after another): the kernel's long-run rate, for the calls' fixed costs by difference.
 * <li>{@code offers}: the probed lists' sums (found before the clock starts) offered to a fresh collector of R as
 *     the scan offers them, list by list in the plan's order, the threshold compared first.
 * </ul>
 * Prints each piece's median and 90th percentile in microseconds and the bytes it allocates.
 *
 * <p>Usage: {@code Pq4CallParts C.qvec Q.qvec I.qivf NPROBE R ROUNDS}.
 */
public final class Pq4CallParts {
    private static final String[] PIECES = {"probe", "tables", "kernel", "ordinals", "scan", "search", "long", "offers"};

    private Pq4CallParts() {
    }

    public static void main(String[] args) {
        Path corpusPath = Path.of(args[0]);
        Path queriesPath = Path.of(args[1]);
        Path indexPath = Path.of(args[2]);
        int nprobe = Integer.parseInt(args[3]);
        int width = Integer.parseInt(args[4]);
        int rounds = Integer.parseInt(args[5]);
        VectorKernels kernels = VectorKernelsProvider.get();
        try (VectorStore corpus = VectorStore.open(corpusPath); VectorStore queries = VectorStore.open(queriesPath);
             IvfIndex index = IvfIndex.open(indexPath, corpus, kernels)) {
            PqCodebook codebook = index.codebook();
            FastScanKernel kernel = index.fastScan();
            int m = codebook.subspaces();
            int stride = FastScanLayout.tableBytes(m);
            int k = 100;
            SearchParams params = SearchParams.defaults().withNprobe(nprobe).withThreads(1)
                    .withOversample((float) width / k);
            int longest = 0;
            for (int l = 0; l < index.nlist(); l++) {
                longest = Math.max(longest, index.listSize(l));
            }
            int[] sums = new int[Math.max(longest, (int) corpus.count())];
            int[] ordinals = new int[longest];
            byte[] tables = new byte[stride];
            float[] query = new float[corpus.dim()];
            long[][] times = new long[PIECES.length][rounds];
            int pool = (int) Math.min(2000, queries.count());
            var threadBean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long[] allocated = new long[PIECES.length];
            long rowsScanned = 0;
            long sink = 0;
            long pushes = 0;
            for (int round = -rounds / 2; round < rounds; round++) {
                queries.copyRow(Math.floorMod(round, pool), query);
                QueryBlock block = new QueryBlock(1, corpus.dim());
                block.add(query);
                IvfIndex.ProbePlan plan = index.probe(block, nprobe, params.probeMargin(), 1,
                        index.beam(params, 1, nprobe));
                codebook.tables(query, tables, 0);
                int[] all = new int[corpus.dim() == 0 ? 0 : (int) corpus.count()];
                for (int g = 0, at = 0; g < plan.lists(); g++) {
                    int list = plan.list(g);
                    kernel.score(tables, 1, m, index.data(), index.listVectorsAt(list), index.listSize(list), sums);
                    System.arraycopy(sums, 0, all, at, index.listSize(list));
                    at += index.listSize(list);
                }
                for (int i = 0; i < PIECES.length; i++) {
                    int piece = Math.floorMod(i + round, PIECES.length);
                    long before = threadBean.getCurrentThreadAllocatedBytes();
                    long start = System.nanoTime();
                    switch (piece) {
                        case 0 -> sink += index.probe(block, nprobe, params.probeMargin(), 1,
                                index.beam(params, 1, nprobe)).lists();
                        case 1 -> sink += codebook.tables(query, tables, 0).hashCode();
                        case 2 -> {
                            for (int g = 0; g < plan.lists(); g++) {
                                int list = plan.list(g);
                                kernel.score(tables, 1, m, index.data(), index.listVectorsAt(list),
                                        index.listSize(list), sums);
                            }
                            sink += sums[0];
                        }
                        case 3 -> {
                            for (int g = 0; g < plan.lists(); g++) {
                                index.copyOrdinals(plan.list(g), ordinals);
                            }
                            sink += ordinals[0];
                        }
                        case 4 -> sink += PqListScan.candidates(index, codebook, kernel, index.data(), block, plan,
                                width, Exclusions.NONE, 1).count(0);
                        case 7 -> {
                            dev.quarry.index.TopKCollector best = new dev.quarry.index.TopKCollector(1, width);
                            best.reset(1, Exclusions.NONE);
                            float[] thresholds = best.thresholds();
                            for (int g = 0, at = 0; g < plan.lists(); g++) {
                                int list = plan.list(g);
                                for (int r = 0, size = index.listSize(list); r < size; r++) {
                                    float sum = all[at + r];
                                    if (sum >= thresholds[0]) {
                                        pushes++;
                                        best.offerOrdinal(0, index.ordinal(list, r), sum);
                                    }
                                }
                                at += index.listSize(list);
                            }
                            sink += best.size(0);
                        }
                        case 5 -> sink += index.search(block, k, Exclusions.NONE, params).id(0, 0);
                        default -> {
                            int rows = 0;
                            for (int g = 0; g < plan.lists(); g++) {
                                rows += (int) (FastScanLayout.blocks(index.listSize(plan.list(g)))
                                        * FastScanLayout.BLOCK_ROWS);
                            }
                            kernel.score(tables, 1, m, index.data(), index.listVectorsAt(0), rows, sums);
                            sink += sums[0];
                        }
                    }
                    long took = System.nanoTime() - start;
                    if (round >= 0) {
                        times[piece][round] = took;
                        allocated[piece] += threadBean.getCurrentThreadAllocatedBytes() - before;
                    }
                }
                if (round >= 0) {
                    for (int g = 0; g < plan.lists(); g++) {
                        rowsScanned += index.listSize(plan.list(g));
                    }
                }
            }
            System.out.printf(Locale.ROOT, "%s nprobe %d R %d: %d rounds, %.0f rows a query, %.0f offers"
                    + " pass the threshold (sink %d)%n", indexPath.getFileName(), nprobe, width, rounds,
                    (double) rowsScanned / rounds, (double) pushes / (rounds * 1.5), sink);
            for (int p = 0; p < PIECES.length; p++) {
                long[] t = times[p];
                Arrays.sort(t);
                System.out.printf(Locale.ROOT, "  %-9s p50 %8.1f us  p90 %8.1f us  %9.0f bytes%n", PIECES[p],
                        t[rounds / 2] / 1e3, t[rounds * 9 / 10] / 1e3, (double) allocated[p] / rounds);
            }
        }
    }
}
