package dev.quarry.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Recall at any nprobe from one ranking, and the smallest nprobe reaching a target, against plain scans. */
class NprobeSearchTest {

    @Test
    void recallFromRanksEqualsScanningTheProbedLists() {
        SplittableRandom random = new SplittableRandom(3);
        for (int round = 0; round < 50; round++) {
            Case c = Case.random(random);
            ProbeRanks ranks = new ProbeRanks(c.truth, c.lists, c.probes, c.most, c.nlist);
            for (int nprobe = 1; nprobe <= c.most; nprobe++) {
                assertEquals(c.scan(nprobe), ranks.recall(nprobe), 0, "round " + round + " nprobe " + nprobe);
            }
        }
    }

    @Test
    void findsTheSmallestNprobeAsALinearScanDoes() {
        SplittableRandom random = new SplittableRandom(5);
        for (int round = 0; round < 50; round++) {
            Case c = Case.random(random);
            ProbeRanks ranks = new ProbeRanks(c.truth, c.lists, c.probes, c.most, c.nlist);
            for (int t = 0; t < 20; t++) {
                double target = random.nextDouble(0.05, 1.0);
                int linear = 0;
                for (int nprobe = 1; nprobe <= c.most && linear == 0; nprobe++) {
                    if (c.scan(nprobe) >= target) {
                        linear = nprobe;
                    }
                }
                NprobeSearch search = NprobeSearch.smallest(ranks, target);
                assertEquals(linear, search.reached(), "round " + round + " target " + target);
                for (int i = 0; i < search.nprobes().length; i++) {
                    assertEquals(c.scan(search.nprobes()[i]), search.recalls()[i], 0);
                    assertTrue(i == 0 || search.nprobes()[i] > search.nprobes()[i - 1], "ascending");
                }
            }
        }
    }

    @Test
    void bisectsBelowTheFirstDoublingThatReachesAndTriesTheLargestLast() {
        // One query, neighbours in lists ranked 0..9 among 12 probes: recall at p is min(p, 10) / 10.
        int[][] truth = new int[1][10];
        int[] lists = new int[10];
        int[] probes = new int[12];
        for (int i = 0; i < 12; i++) {
            probes[i] = i;
        }
        for (int i = 0; i < 10; i++) {
            truth[0][i] = i;
            lists[i] = i;
        }
        ProbeRanks ranks = new ProbeRanks(truth, lists, probes, 12, 12);
        NprobeSearch four = NprobeSearch.smallest(ranks, 0.4);
        assertArrayEquals(new int[] {1, 2, 3, 4}, four.nprobes(), "3 counted to show 4 is the smallest");
        assertEquals(4, four.reached());
        NprobeSearch ten = NprobeSearch.smallest(ranks, 1.0);
        assertArrayEquals(new int[] {1, 2, 4, 8, 9, 10, 12}, ten.nprobes(), "doubling to 12, then 10 and 9 between");
        assertEquals(10, ten.reached());
        NprobeSearch never = NprobeSearch.smallest(new ProbeRanks(truth, lists, probes, 8, 12), 0.9);
        assertArrayEquals(new int[] {1, 2, 4, 8}, never.nprobes());
        assertEquals(0, never.reached());
    }

    /** Random queries with true neighbours, rows in lists, and each query's best lists (distinct, some missing). */
    private record Case(int[][] truth, int[] lists, int[] probes, int most, int nlist) {
        static Case random(SplittableRandom random) {
            int nlist = random.nextInt(1, 40);
            int rows = random.nextInt(1, 300);
            int most = random.nextInt(1, nlist + 1);
            int queries = random.nextInt(1, 30);
            int[] lists = new int[rows];
            for (int r = 0; r < rows; r++) {
                lists[r] = random.nextInt(nlist);
            }
            int[][] truth = new int[queries][];
            int[] probes = new int[queries * most];
            for (int q = 0; q < queries; q++) {
                truth[q] = random.ints(random.nextInt(0, Math.min(rows, 20) + 1), 0, rows).distinct().toArray();
                int[] order = random.ints(0, nlist).distinct().limit(nlist).toArray();
                for (int j = 0; j < most; j++) {
                    probes[q * most + j] = j < order.length && random.nextInt(10) > 0 ? order[j] : -1;
                }
            }
            return new Case(truth, lists, probes, most, nlist);
        }

        /** Recall by scanning each query's first nprobe lists, as the chooser counted it before. */
        double scan(int nprobe) {
            double sum = 0;
            int counted = 0;
            for (int q = 0; q < truth.length; q++) {
                if (truth[q].length == 0) {
                    continue;
                }
                int hits = 0;
                for (int id : truth[q]) {
                    for (int j = 0; j < nprobe; j++) {
                        if (probes[q * most + j] == lists[id]) {
                            hits++;
                            break;
                        }
                    }
                }
                sum += (double) hits / truth[q].length;
                counted++;
            }
            return counted == 0 ? Double.NaN : sum / counted;
        }
    }
}
