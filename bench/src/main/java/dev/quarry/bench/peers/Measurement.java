package dev.quarry.bench.peers;

/**
 * What one configuration of a contender measured.
 *
 * @param config the configuration as the report shows it, e.g. {@code nprobe=4} or {@code M=16 ef=200}
 * @param params every other setting that shaped the result (thread layout, block size, build parameters)
 * @param runsSeconds wall time of each timed pass over all queries
 * @param buildSeconds time to build the index (null for brute force); a cached index reports its original build
 * @param dotProducts dot products one pass computes, when known exactly (null otherwise)
 * @param ids the last pass's top-k rows, {@code [query * k + rank]}, -1 where a query had fewer than k
 */
public record Measurement(String config, String params, double[] runsSeconds, Double buildSeconds, Long dotProducts,
                          int[] ids) {
    public Measurement {
        runsSeconds = runsSeconds.clone();
    }

    @Override
    public double[] runsSeconds() {
        return runsSeconds.clone();
    }
}
