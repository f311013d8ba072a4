package dev.quarry.mining;

import dev.quarry.index.Exclusions;
import dev.quarry.index.Recall;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.index.VectorIndex;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.index.ivf.ListEncoding;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The search settings of a {@link MinerPreset#LATENCY} miner, chosen by measurement on its own corpus
 * and index: rows spread evenly through the corpus are searched exactly (each excluding itself, as a
 * mined anchor does), then with each candidate setting from the cheapest up, and the first whose
 * recall@k reaches {@link #RECALL_TARGET} is kept. For an IVF index the candidates are nprobe 1, 2, 4,
 * ... up to nlist (where the search is exact), for each way of searching the index has: the exact coarse
 * stage; the centroid graph when the index holds one; and for int8 lists, oversample 1 (k candidates
 * rescored) beside the index's default. Recall on the data itself, not a rule of thumb: nprobe 1 holds
 * 0.96 of the top 100 on the clustered benchmark set and far less on data whose neighbours straddle cells.
 *
 * <p>When more than one way reaches the target, each is timed on calls of the probe rows (a trainer's
 * batch), interleaved so that a burst of load on a shared machine slows them alike, and the first way
 * listed is kept unless another's median call is {@link #FASTER_BY} shorter: timings move by more than
 * that between runs on a busy machine, and the exact coarse stage keeps a query's lists independent of
 * its batch-mates.
 */
final class LatencyTuning {
    /** Recall@k the chosen settings reach on the probe rows. */
    static final double RECALL_TARGET = 0.95;
    /** How much shorter another way's median call must be to be taken over the first. */
    static final double FASTER_BY = 0.10;
    /** Probe rows: a trainer's batch of 64, fewer when exact search of them would pass the flop budget. */
    private static final int PROBE_ROWS = 64;
    private static final int MIN_PROBE_ROWS = 16;
    /** Flops the exact search of the probe rows may take: about half a second on two cores. */
    private static final double EXACT_FLOPS = 6e10;
    /** Untimed rounds first (each way's code compiled), for at least this long. */
    private static final long WARM_NANOS = 300_000_000L;
    private static final int WARM_ROUNDS = 5;
    private static final int TIMED_ROUNDS = 9;

    private LatencyTuning() {
    }

    /**
     * What was chosen.
     *
     * @param search the settings calls use
     * @param description the choice and its evidence, for logs and summaries
     */
    record Choice(SearchParams search, String description) {
    }

    /**
     * One way of searching, at the fewest lists that reach the target.
     *
     * @param way what it is, for the description ({@code exact coarse stage}, {@code centroid graph}, ...)
     * @param search its settings, nprobe included
     * @param recall recall@k on the probe rows
     * @param millis median milliseconds of a call of the probe rows; NaN when not timed
     */
    record Candidate(String way, SearchParams search, double recall, double millis) {
        Candidate timed(double ms) {
            return new Candidate(way, search, recall, ms);
        }
    }

    /** The settings for {@code index} over {@code corpus}, mining ranks below {@code config.rangeMax()}. */
    static Choice choose(VectorIndex index, VectorStore corpus, VectorKernels kernels, MiningConfig config,
                         SearchParams base) {
        if (!(index instanceof IvfIndex ivf)) {
            return new Choice(base, "exact search, nothing to tune");
        }
        int k = (int) Math.min(config.rangeMax(), corpus.count() - 1);
        long count = corpus.count();
        int rows = (int) Math.max(MIN_PROBE_ROWS, Math.min(PROBE_ROWS, EXACT_FLOPS / (2.0 * count * corpus.dim())));
        rows = (int) Math.min(rows, count);
        if (k < 1) {
            return new Choice(base, "corpus too small to tune");
        }
        QueryBlock probe = new QueryBlock(rows, corpus.dim());
        int[][] self = new int[rows][];
        for (int i = 0; i < rows; i++) {
            long row = i * (count / rows);
            probe.add(corpus.segment(), corpus.rowOffset(row));
            self[i] = new int[] {(int) row};
        }
        Exclusions exclusions = Exclusions.ofSorted(self);
        TopK truth = new FlatIndex(corpus, kernels).search(probe, k, exclusions, base.withNprobe(0));
        List<Candidate> candidates = new ArrayList<>();
        for (Candidate way : ways(ivf, base)) {
            Candidate reached = fewestLists(ivf, way, probe, k, exclusions, truth, candidates.isEmpty());
            if (reached != null) {
                candidates.add(reached);
            }
        }
        if (candidates.size() > 1) {
            candidates = time(ivf, candidates, probe, k, exclusions);
        }
        Candidate chosen = pick(candidates);
        return new Choice(chosen.search(), describe(ivf, chosen, candidates, k, rows));
    }

    /**
     * The ways of searching {@code ivf} to measure, the first the plainest (the exact coarse stage, the index's
     * default oversample); a setting the caller fixed in {@code base} stays fixed.
     */
    static List<Candidate> ways(IvfIndex ivf, SearchParams base) {
        List<SearchParams.Coarse> coarse = base.coarse() != SearchParams.Coarse.AUTO ? List.of(base.coarse())
                : ivf.hasGraph() ? List.of(SearchParams.Coarse.EXACT, SearchParams.Coarse.GRAPH)
                : List.of(SearchParams.Coarse.AUTO); // without a graph, auto is the exact stage
        List<Float> oversample = ivf.encoding() == ListEncoding.INT8 && base.oversample() == 0
                ? List.of(0f, 1f) : List.of(base.oversample());
        List<Candidate> ways = new ArrayList<>();
        for (SearchParams.Coarse c : coarse) {
            for (float o : oversample) {
                String way = c == SearchParams.Coarse.GRAPH ? "centroid graph" : "exact coarse stage";
                if (o == 1f && base.oversample() == 0) {
                    way += ", oversample 1";
                }
                ways.add(new Candidate(way, base.withCoarse(c).withOversample(o), Double.NaN, Double.NaN));
            }
        }
        return ways;
    }

    /**
     * {@code way} at the fewest lists (1, 2, 4, ...) whose recall reaches the target. None below nlist: the
     * first way probes every list (an exact search), another is left out (null).
     */
    private static Candidate fewestLists(IvfIndex ivf, Candidate way, QueryBlock probe, int k, Exclusions exclusions,
                                         TopK truth, boolean first) {
        for (int nprobe = 1; nprobe < ivf.nlist(); nprobe *= 2) {
            SearchParams at = way.search().withNprobe(nprobe);
            double recall = Recall.of(truth, ivf.search(probe, k, exclusions, at));
            if (recall >= RECALL_TARGET) {
                return new Candidate(way.way(), at, recall, Double.NaN);
            }
        }
        if (!first) {
            return null;
        }
        SearchParams all = way.search().withNprobe(ivf.nlist());
        return new Candidate(way.way(), all, Recall.of(truth, ivf.search(probe, k, exclusions, all)), Double.NaN);
    }

    /** Each candidate's median call of the probe rows, the candidates taking turns round by round. */
    private static List<Candidate> time(IvfIndex ivf, List<Candidate> candidates, QueryBlock probe, int k,
                                        Exclusions exclusions) {
        int n = candidates.size();
        long[][] nanos = new long[n][TIMED_ROUNDS];
        long warmUntil = System.nanoTime() + WARM_NANOS;
        for (int round = 0; round < WARM_ROUNDS || System.nanoTime() < warmUntil; round++) {
            for (Candidate c : candidates) {
                ivf.search(probe, k, exclusions, c.search());
            }
        }
        for (int round = 0; round < TIMED_ROUNDS; round++) {
            for (int c = 0; c < n; c++) {
                long start = System.nanoTime();
                ivf.search(probe, k, exclusions, candidates.get(c).search());
                nanos[c][round] = System.nanoTime() - start;
            }
        }
        List<Candidate> timed = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            Arrays.sort(nanos[c]);
            timed.add(candidates.get(c).timed(nanos[c][TIMED_ROUNDS / 2] / 1e6));
        }
        return timed;
    }

    /** The first candidate, unless a later one's median call is {@link #FASTER_BY} shorter (the fastest such). */
    static Candidate pick(List<Candidate> candidates) {
        Candidate chosen = candidates.get(0);
        double bar = chosen.millis() * (1 - FASTER_BY);
        for (Candidate c : candidates.subList(1, candidates.size())) {
            if (c.millis() < bar && c.millis() < chosen.millis()) {
                chosen = c;
            }
        }
        return chosen;
    }

    private static String describe(IvfIndex ivf, Candidate chosen, List<Candidate> candidates, int k, int rows) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
                "nprobe %d of %d lists (latency preset: recall@%d %.3f on %d corpus rows, target %.2f",
                chosen.search().nprobe(), ivf.nlist(), k, chosen.recall(), rows, RECALL_TARGET));
        if (candidates.size() > 1) {
            s.append("; ").append(chosen.way()).append(" chosen from calls of ").append(rows).append(" rows:");
            for (Candidate c : candidates) {
                s.append(String.format(Locale.ROOT, " %s at nprobe %d, recall %.3f, %.2f ms;", c.way(),
                        c.search().nprobe(), c.recall(), c.millis()));
            }
            s.setLength(s.length() - 1);
        } else if (ivf.hasGraph() || ivf.encoding() != ListEncoding.FLOAT32) {
            s.append("; ").append(chosen.way());
        }
        return s.append(')').toString();
    }
}
