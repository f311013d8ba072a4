package dev.quarry.bench.latency;

import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.CRC32;

/**
 * The search of one thread's share of a trainer's call timed by the thread's CPU time, not the wall clock: blocks
 * of {@code block} consecutive queries searched on one thread, as a call's threads each search theirs (a 64-anchor
 * call is two blocks of 32; a 1-anchor call is one block of 1, here on one thread). On a machine shared with other
 * work the wall clock is the other work's; the CPU time is what a change to the search moves. Prints the median
 * and quartiles of the microseconds a search and a checksum of the results' ids and score bits, so two builds run
 * in turn are seen to agree.
 *
 * <p>Usage: {@code SearchCpu CORPUS.qvec QUERIES.qvec INDEX.qivf NPROBE [BLOCKS=1,32] [SEARCHES=600]}.
 */
public final class SearchCpu {
    private SearchCpu() {
    }

    public static void main(String[] a) {
        VectorKernels kernels = VectorKernelsProvider.get();
        kernels.warmUp();
        int nprobe = Integer.parseInt(a[3]);
        int[] sizes = Arrays.stream((a.length > 4 ? a[4] : "1,32").split(",")).mapToInt(Integer::parseInt).toArray();
        int searches = a.length > 5 ? Integer.parseInt(a[5]) : 600;
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        try (VectorStore corpus = VectorStore.open(Path.of(a[0])); VectorStore queries = VectorStore.open(Path.of(a[1]));
             IvfIndex index = IvfIndex.open(Path.of(a[2]), corpus, kernels)) {
            SearchParams params = SearchParams.defaults().withThreads(1).withNprobe(nprobe)
                    .withCoarse(SearchParams.Coarse.EXACT);
            for (int block : sizes) {
                time(index, queries, params, nprobe, block, searches, cpu, a[2]);
            }
        }
    }

    private static void time(IvfIndex index, VectorStore queries, SearchParams params, int nprobe, int block,
                             int searches, ThreadMXBean cpu, String name) {
        {
            int pool = (int) Math.min(4096, queries.count()) / block;
            QueryBlock[] blocks = new QueryBlock[pool];
            for (int b = 0; b < pool; b++) {
                blocks[b] = new QueryBlock(block, queries.dim());
                float[] row = new float[queries.dim()];
                for (int i = 0; i < block; i++) {
                    queries.copyRow((long) b * block + i, row);
                    blocks[b].add(row);
                }
            }
            for (int i = 0; i < Math.min(200, searches); i++) { // the JIT
                index.search(blocks[i % pool], 100, Exclusions.NONE, params);
            }
            long[] micros = new long[searches];
            CRC32 crc = new CRC32();
            for (int i = 0; i < searches; i++) {
                long start = cpu.getCurrentThreadCpuTime();
                TopK top = index.search(blocks[i % pool], 100, Exclusions.NONE, params);
                micros[i] = (cpu.getCurrentThreadCpuTime() - start) / 1000;
                if (i < pool) {
                    for (int q = 0; q < top.queries(); q++) {
                        for (int j = 0; j < top.count(q); j++) {
                            crc.update(top.id(q, j));
                            crc.update(Float.floatToRawIntBits(top.score(q, j)));
                        }
                    }
                }
            }
            Arrays.sort(micros);
            System.out.printf(Locale.ROOT, "%s nprobe %d block %d: CPU us a search p25/p50/p75 %d / %d / %d"
                            + " (%d searches), checksum %08x%n", name, nprobe, block, micros[searches / 4],
                    micros[searches / 2], micros[3 * searches / 4], searches, crc.getValue());
        }
    }
}
