package dev.quarry.index.ivf;

import dev.quarry.options.CommandSetting;
import dev.quarry.options.CommandSettingError;
/**
 * Parameters of k-means (FAISS's {@code ClusteringParameters} ideas).
 *
 * @param k number of centroids
 * @param iterations Lloyd iterations
 * @param maxPointsPerCentroid the training sample is capped at {@code k x maxPointsPerCentroid} points
 * @param maxTrainingPoints an absolute cap on the sample (0: none); must leave at least k points
 * @param spherical normalize centroids after each update (for unit-norm data: cosine k-means)
 * @param seed seed of the sample, the initialization and the repair of empty clusters
 * @param threads threads for the assignment steps
 */
public record KMeansParams(int k, int iterations, int maxPointsPerCentroid, long maxTrainingPoints,
                           boolean spherical, long seed, int threads) {
    public KMeansParams {
        if (k < 1) {
            throw new CommandSettingError(CommandSetting.NLIST, k, ">= 1");
        }
        if (iterations < 1) {
            throw new CommandSettingError(CommandSetting.ITERATIONS, iterations, ">= 1");
        }
        if (maxPointsPerCentroid < 1) {
            throw new CommandSettingError(CommandSetting.MAX_POINTS_PER_CENTROID, maxPointsPerCentroid, ">= 1");
        }
        if (threads < 1) {
            throw new CommandSettingError(CommandSetting.THREADS, threads, ">= 1");
        }
        if (maxTrainingPoints < 0) {
            throw new CommandSettingError(CommandSetting.MAX_TRAINING_POINTS, maxTrainingPoints, ">= 0");
        }
    }

    /** Defaults: 10 iterations, 64 points per centroid (FAISS uses 256), seed 42. */
    public static KMeansParams defaults(int k, boolean spherical, int threads) {
        return new KMeansParams(k, 10, 64, 0, spherical, 42, threads);
    }
}
