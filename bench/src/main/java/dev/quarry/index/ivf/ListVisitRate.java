package dev.quarry.index.ivf;

import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.RowPanels;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

/**
 * The list stage's rate by list length: the visits of a block's search ({@link IvfBatchSearch#scoreList}, as
 * {@link SelectingScan} and a super-block make them: the list scored against its probing queries, then each query's
 * scores merged into its k best) over synthetic lists of one length, each query probing every list, in a shuffled
 * order. It lives in the index's package to reach that stage without widening the engine's API.
 *
 * <p>Prints, per (rows a list, queries a visit), GFLOP/s of the scoring (2 x dim x rows x queries per visit) as the
 * median and range of the repetitions, the nanoseconds of one visit (the thread's CPU time, which a shared machine
 * moves less than the wall clock), and a checksum of the candidates, so two builds
 * run in turn are seen to keep the same ids and score bits.
 *
 * <p>Usage: {@code ListVisitRate [--rows 16,51,256,1024] [--queries 1,3,64] [--dim 384] [--k 100]
 * [--total-rows 16384] [--reps 9] [--min-ms 150]}, with the JVM flags of {@code ./quarry jvm-flags}.
 */
public final class ListVisitRate {
    /** The thread's CPU time, not the wall clock: on a machine shared with other work the wall is the work's. */
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private ListVisitRate() {
    }

    public static void main(String[] args) {
        int[] rowsList = {16, 32, 51, 64, 128, 256, 1024};
        int[] queriesList = {1, 3, 64};
        int dim = 384;
        int k = 100;
        int totalRows = 16_384;
        int reps = 9;
        int minMs = 150;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--rows" -> rowsList = ints(args[i + 1]);
                case "--queries" -> queriesList = ints(args[i + 1]);
                case "--dim" -> dim = Integer.parseInt(args[i + 1]);
                case "--k" -> k = Integer.parseInt(args[i + 1]);
                case "--total-rows" -> totalRows = Integer.parseInt(args[i + 1]);
                case "--reps" -> reps = Integer.parseInt(args[i + 1]);
                case "--min-ms" -> minMs = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("option=" + args[i]
                        + ", expected --rows, --queries, --dim, --k, --total-rows, --reps or --min-ms");
            }
        }
        VectorKernels kernels = VectorKernelsProvider.get();
        kernels.warmUp();
        for (int rows : rowsList) {
            for (int queries : queriesList) {
                run(kernels, rows, queries, dim, k, Math.max(1, totalRows / rows), reps, minMs);
            }
        }
    }

    private static void run(VectorKernels kernels, int rows, int queries, int dim, int k, int lists, int reps,
                            int minMs) {
        SplittableRandom random = new SplittableRandom(rows * 31L + queries);
        long padded = RowPanels.paddedRows(rows);
        MemorySegment data = Arena.ofAuto().allocate(4L * dim * padded * lists, 64);
        for (long i = 0; i < data.byteSize() / 4; i++) {
            data.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) random.nextGaussian());
        }
        float[][] rowsOfQueries = new float[queries][dim];
        for (float[] q : rowsOfQueries) {
            for (int d = 0; d < dim; d++) {
                q[d] = (float) random.nextGaussian();
            }
        }
        int[] order = new int[lists];
        for (int i = 0; i < lists; i++) {
            order[i] = i;
        }
        for (int i = lists - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int width = Math.min(queries, IvfBatchSearch.SCAN_QUERIES);
        QueryBlock sub = new QueryBlock(width, dim);
        int[] map = new int[width];
        int stride = (int) RowPanels.paddedRows(Math.min(rows, IvfBatchSearch.SCAN_ROWS));
        float[] matrix = new float[width * stride];
        int[] ordinals = new int[rows];
        ListOffers offers = new ListOffers(kernels);
        List<Double> rates = new ArrayList<>();
        List<Double> visits = new ArrayList<>();
        long checksum = 0;
        for (int rep = 0; rep < reps + 2; rep++) { // two untimed, for the JIT
            long calls = 0;
            long start = CPU.getCurrentThreadCpuTime();
            long elapsed;
            do {
                ListTopK candidates = new ListTopK(queries, k, null);
                for (int list : order) {
                    for (int r = 0; r < rows; r++) {
                        ordinals[r] = list * rows + r;
                    }
                    for (int first = 0; first < queries; first += width) {
                        int m = Math.min(width, queries - first);
                        sub.clear();
                        for (int j = 0; j < m; j++) {
                            map[j] = first + j;
                            sub.add(rowsOfQueries[first + j]);
                        }
                        IvfBatchSearch.scoreList(kernels, sub, map, data, 4L * dim * padded * list, rows, ordinals,
                                matrix, stride, candidates, offers);
                    }
                }
                candidates.sortInPlace(0, queries, offers.scratch());
                if (calls == 0) {
                    checksum = checksum(candidates, queries);
                }
                calls++;
                elapsed = CPU.getCurrentThreadCpuTime() - start;
            } while (elapsed < minMs * 1_000_000L);
            if (rep >= 2) {
                double flops = 2.0 * dim * rows * queries * lists * calls;
                rates.add(flops / elapsed);
                visits.add((double) elapsed / (calls * lists * ((queries + width - 1) / width)));
            }
        }
        double[] r = rates.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double[] v = visits.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        System.out.printf(Locale.ROOT, "rows %d queries %d lists %d k %d: %.1f GFLOP/s [%.1f-%.1f], visit %.0f ns"
                        + " [%.0f-%.0f], checksum %08x%n", rows, queries, lists, k, r[r.length / 2], r[0],
                r[r.length - 1], v[v.length / 2], v[0], v[v.length - 1], checksum);
    }

    private static long checksum(ListTopK candidates, int queries) {
        var top = candidates.result();
        CRC32 crc = new CRC32();
        for (int q = 0; q < queries; q++) {
            for (int j = 0; j < top.count(q); j++) {
                crc.update(top.id(q, j));
                crc.update(Float.floatToRawIntBits(top.score(q, j)));
            }
        }
        return crc.getValue();
    }

    private static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
    }
}
