package dev.quarry.mining.strategy;

import dev.quarry.Seeds;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.index.ivf.KMeans;
import dev.quarry.index.ivf.KMeansParams;
import dev.quarry.labels.Qrels;
import dev.quarry.options.CommandSetting;
import dev.quarry.options.CommandSettingError;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.LaneDot;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Orders anchors into training batches that are hard for in-batch negatives: anchors about the same
 * thing go to the same batch, so each one's in-batch negatives are close to it. Anchors are grouped
 * (by k-means on the anchor vectors, or by the IVF list each anchor probes first), shuffled within
 * each group and the groups shuffled (all seeded), then cut into batches. {@link Grouping#RANDOM} is
 * the usual random batching, for comparison.
 */
public final class BatchBuilder {
    /** How anchors are grouped before batching. */
    public enum Grouping {
        RANDOM, KMEANS, IVF;

        /** Parses {@code random}, {@code kmeans} or {@code ivf}. */
        public static Grouping parse(String name) {
            return switch (name.toLowerCase(Locale.ROOT)) {
                case "random" -> RANDOM;
                case "kmeans" -> KMEANS;
                case "ivf" -> IVF;
                default -> throw new CommandSettingError(CommandSetting.BATCH_GROUPING, name, "kmeans, ivf or random");
            };
        }
    }

    private final VectorKernels kernels;

    public BatchBuilder(VectorKernels kernels) {
        this.kernels = kernels;
    }

    /**
     * The anchors in batch order.
     *
     * @param anchors anchor ordinals (rows of {@code queries})
     * @param ivf the index whose lists group the anchors (IVF grouping only)
     */
    public int[] order(int[] anchors, VectorStore queries, int batchSize, Grouping grouping, IvfIndex ivf, long seed,
                       int threads) {
        if (batchSize < 2 || batchSize > anchors.length) {
            throw new CommandSettingError(CommandSetting.BATCH_SIZE,
                    batchSize, "2 <= batch size <= the " + anchors.length
                    + " anchors");
        }
        int[] group = switch (grouping) {
            case RANDOM -> new int[anchors.length];
            case KMEANS -> kmeansGroups(anchors, queries, batchSize, seed, threads);
            case IVF -> ivfGroups(anchors, queries, ivf);
        };
        int groups = Arrays.stream(group).max().orElse(0) + 1;
        List<List<Integer>> members = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            members.add(new ArrayList<>());
        }
        for (int i = 0; i < anchors.length; i++) {
            members.get(group[i]).add(anchors[i]);
        }
        SplittableRandom random = Seeds.random(seed, 0xBA7C4);
        for (List<Integer> m : members) {
            shuffle(m, random);
        }
        shuffle(members, random);
        int[] order = new int[anchors.length];
        int at = 0;
        for (List<Integer> m : members) {
            for (int a : m) {
                order[at++] = a;
            }
        }
        return order;
    }

    private int[] kmeansGroups(int[] anchors, VectorStore queries, int batchSize, long seed, int threads) {
        float[][] rows = new float[anchors.length][queries.dim()];
        for (int i = 0; i < anchors.length; i++) {
            queries.copyRow(anchors[i], rows[i]);
        }
        int k = Math.max(1, anchors.length / batchSize);
        try (VectorStore points = VectorStore.copyOf("anchors", rows, queries.normalized())) {
            return new KMeans(kernels).cluster(points, new KMeansParams(k, 10, Math.max(64, batchSize * 2), 0,
                    queries.normalized(), seed, threads));
        }
    }

    private int[] ivfGroups(int[] anchors, VectorStore queries, IvfIndex ivf) {
        if (ivf == null) {
            throw new CommandSettingError(CommandSetting.BATCH_GROUPING, "ivf", "an IVF index (set index)");
        }
        int[] group = new int[anchors.length];
        int block = 4096;
        for (int from = 0; from < anchors.length; from += block) {
            int to = Math.min(anchors.length, from + block);
            QueryBlock q = new QueryBlock(to - from, queries.dim());
            for (int i = from; i < to; i++) {
                q.add(queries.segment(), queries.rowOffset(anchors[i]));
            }
            int[] lists = ivf.firstLists(q);
            System.arraycopy(lists, 0, group, from, lists.length);
        }
        return group;
    }

    private static <T> void shuffle(List<T> list, SplittableRandom random) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            T t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }

    /**
     * The mean score of the in-batch negatives these batches give (each anchor against the other
     * anchors' positives of its batch), before any filter: how hard the batches are.
     */
    public static double meanInBatchScore(int[] order, int batchSize, Qrels positives, VectorStore queries,
                                          VectorStore corpus) {
        double sum = 0;
        long n = 0;
        float[] query = new float[queries.dim()];
        for (int from = 0; from < order.length; from += batchSize) {
            int to = Math.min(order.length, from + batchSize);
            for (int i = from; i < to; i++) {
                queries.copyRow(order[i], query);
                int[] own = positives.docs(order[i]);
                for (int j = from; j < to; j++) {
                    if (j == i) {
                        continue;
                    }
                    for (int doc : positives.docs(order[j])) {
                        if (Arrays.binarySearch(own, doc) < 0) {
                            sum += LaneDot.dot(query, corpus.segment(), corpus.rowOffset(doc), corpus.dim());
                            n++;
                        }
                    }
                }
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }
}
