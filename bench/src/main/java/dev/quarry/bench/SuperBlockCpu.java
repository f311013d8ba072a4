package dev.quarry.bench;

import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.CRC32;

/**
 * The search of one super-block of {@code quarry mine} ({@link IvfIndex#searchRows}) timed alone: consecutive
 * runs of {@code anchors} rows of the anchors' store, each searched at once on {@code threads} threads, with the
 * process's CPU time and the wall time of each repetition. CPU time is what a change to the search moves on a
 * machine shared with other work, where the wall clock is the other work's; compare two builds by running
 * them in turn, the first repetitions (the JIT) left out. Prints a checksum of a sample of each result, so two
 * builds are seen to return the same ids and score bits.
 *
 * <p>Usage: {@code SuperBlockCpu CORPUS.qvec ANCHORS.qvec INDEX.qivf [--anchors 65536] [--reps 6]
 * [--threads 2] [--nprobe 2] [--probe-margin 0.05] [--k 100]}, with the JVM flags of {@code ./quarry jvm-flags}
 * and the bench jar on the class path.
 */
public final class SuperBlockCpu {
    private SuperBlockCpu() {
    }

    public static void main(String[] args) {
        if (args.length < 3) {
            throw new IllegalArgumentException("usage: SuperBlockCpu CORPUS ANCHORS INDEX [--anchors N] [--reps N]"
                    + " [--threads N] [--nprobe N] [--probe-margin M] [--k K]");
        }
        int anchors = 65_536;
        int reps = 6;
        int threads = 2;
        int nprobe = 2;
        float margin = 0.05f;
        int k = 100;
        for (int i = 3; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--anchors" -> anchors = Integer.parseInt(args[i + 1]);
                case "--reps" -> reps = Integer.parseInt(args[i + 1]);
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                case "--nprobe" -> nprobe = Integer.parseInt(args[i + 1]);
                case "--probe-margin" -> margin = Float.parseFloat(args[i + 1]);
                case "--k" -> k = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("option=" + args[i]
                        + ", expected --anchors, --reps, --threads, --nprobe, --probe-margin or --k");
            }
        }
        VectorKernels kernels = VectorKernelsProvider.get();
        VectorStore queries = VectorStore.open(Path.of(args[1]));
        if (queries.count() < anchors) {
            throw new IllegalArgumentException("anchors=" + anchors + ", expected at most the store's "
                    + queries.count() + " rows");
        }
        try (IvfIndex ivf = IvfIndex.open(Path.of(args[2]), VectorStore.open(Path.of(args[0])), kernels)) {
            kernels.warmUp();
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            SearchParams params = SearchParams.defaults().withThreads(threads).withNprobe(nprobe)
                    .withProbeMargin(margin);
            int blocks = (int) (queries.count() / anchors);
            for (int r = 0; r < reps; r++) {
                long[] offsets = new long[anchors];
                long first = (long) (r % blocks) * anchors;
                for (int i = 0; i < anchors; i++) {
                    offsets[i] = queries.rowOffset(first + i);
                }
                long cpu = os.getProcessCpuTime();
                long wall = System.nanoTime();
                TopK top = ivf.searchRows(queries.segment(), offsets, k, Exclusions.NONE, params);
                wall = System.nanoTime() - wall;
                cpu = os.getProcessCpuTime() - cpu;
                CRC32 crc = new CRC32();
                for (int q = 0; q < anchors; q += 97) {
                    for (int j = 0; j < top.count(q); j++) {
                        crc.update(top.id(q, j));
                        crc.update(Float.floatToRawIntBits(top.score(q, j)));
                    }
                }
                System.out.printf(Locale.ROOT, "rep %d anchors %d from %d: wall %.3f s, cpu %.3f s, %.0f anchors a"
                        + " CPU-second, checksum %08x%n", r, anchors, first, wall / 1e9, cpu / 1e9,
                        anchors / (cpu / 1e9), crc.getValue());
            }
        }
    }
}
