package dev.quarry.eval.audit;

import dev.quarry.QuarryDataException;
import dev.quarry.files.UserFiles;
import dev.quarry.labels.DynamicIdMap;
import dev.quarry.labels.Qrels;
import dev.quarry.labels.QrelsReader;
import dev.quarry.mining.ScoreStats;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Audits a mined set: negatives per anchor, repeats, negatives that are positives or known
 * positives, negatives scoring at or above their positive, score and rank distributions, and the
 * noise check: anchors whose labelled positive scores more than {@code noiseMargin} below the median of
 * their negatives are flagged as likely wrong labels (measured against planted noise when a truth file
 * says which labels are wrong).
 */
public final class Auditor {
    /** Bins of the score and rank charts. */
    public static final int BINS = 40;

    private final double noiseMargin;

    public Auditor(double noiseMargin) {
        this.noiseMargin = noiseMargin;
    }

    /**
     * @param knownPositives pairs of ids never to mine (same formats as qrels), or null
     * @param truth a TSV whose lines {@code anchor<TAB>doc<TAB>mislabelled} name wrong labels, or null
     */
    public AuditReport audit(Path file, MinedSetReader.MinedSet set, Path knownPositives, Path truth) {
        List<AuditedAnchor> anchors = set.anchors();
        long negatives = 0;
        long repeats = 0;
        long equalToPositive = 0;
        long atOrAbove = 0;
        long anchorsAtOrAbove = 0;
        long knownOverlap = knownPositives == null ? -1 : 0;
        ScoreStats pos = new ScoreStats();
        ScoreStats neg = new ScoreStats();
        List<Double> posValues = new ArrayList<>();
        List<Double> negValues = new ArrayList<>();
        List<Double> rankValues = new ArrayList<>();
        List<Double> positiveRankValues = new ArrayList<>();
        int maxCount = 0;
        List<String> flagged = new ArrayList<>();
        DynamicIdMap anchorIds = new DynamicIdMap();
        DynamicIdMap docIds = new DynamicIdMap();
        Qrels known = knownPositives == null ? Qrels.empty()
                : new QrelsReader(anchorIds, docIds, false).read(knownPositives, null).qrels();
        boolean scoresKnown = false;
        double[] counts = new double[anchors.size()];
        for (int a = 0; a < anchors.size(); a++) {
            AuditedAnchor anchor = anchors.get(a);
            int n = anchor.negatives().size();
            counts[a] = n;
            maxCount = Math.max(maxCount, n);
            negatives += n;
            Set<String> seen = new HashSet<>();
            float reference = anchor.positiveReference();
            boolean above = false;
            int[] knownDocs = knownPositives == null ? new int[0] : known.docs(anchorIds.ordinal(anchor.anchor()));
            for (int i = 0; i < n; i++) {
                String negative = anchor.negatives().get(i);
                if (!seen.add(negative)) {
                    repeats++;
                }
                if (anchor.positives().contains(negative)) {
                    equalToPositive++;
                }
                if (knownDocs.length > 0 && Arrays.binarySearch(knownDocs, docIds.ordinal(negative)) >= 0) {
                    knownOverlap++;
                }
                float s = anchor.negativeScores()[i];
                if (!Float.isNaN(s)) {
                    scoresKnown = true;
                    neg.add(s);
                    negValues.add((double) s);
                    if (!Float.isNaN(reference) && s >= reference) {
                        atOrAbove++;
                        above = true;
                    }
                }
                if (anchor.negativeRanks()[i] >= 0) {
                    rankValues.add((double) anchor.negativeRanks()[i]);
                }
            }
            if (above) {
                anchorsAtOrAbove++;
            }
            for (float s : anchor.positiveScores()) {
                if (!Float.isNaN(s)) {
                    pos.add(s);
                    posValues.add((double) s);
                }
            }
            for (int r : anchor.positiveRanks()) {
                if (r >= 0) {
                    positiveRankValues.add((double) r);
                }
            }
            if (!Float.isNaN(reference) && n > 0 && reference < median(anchor.negativeScores()) - noiseMargin) {
                flagged.add(anchor.anchor());
            }
        }
        double lo = Math.min(min(posValues), min(negValues));
        double hi = Math.max(max(posValues), max(negValues));
        Histogram posHist = Histogram.of(array(posValues), BINS, lo, hi);
        Histogram negHist = Histogram.of(array(negValues), BINS, lo, hi);
        // The negatives' ranks set the range; positives ranked beyond it are counted in the last bin.
        long rankEnd = (long) (rankValues.isEmpty() ? max(positiveRankValues) : max(rankValues)) + 1;
        Histogram rankHist = rankValues.isEmpty() ? null : Histogram.ofWhole(array(rankValues), BINS, rankEnd);
        Histogram positiveRankHist = positiveRankValues.isEmpty() ? null
                : Histogram.ofWhole(array(positiveRankValues), BINS, rankEnd);
        Histogram perAnchor = Histogram.ofWhole(counts, BINS, maxCount + 1L);
        AuditReport.NoiseCheck check = truth == null ? null : noiseCheck(truth, anchors, flagged);
        return new AuditReport(file.toString(), set.format(), anchors.size(), negatives, perAnchor, repeats,
                equalToPositive, atOrAbove, anchorsAtOrAbove, knownOverlap, pos, neg, posHist, negHist, rankHist,
                positiveRankHist, ranks(rankValues), ranks(positiveRankValues), flagged, noiseMargin, check, scoresKnown);
    }

    private static AuditReport.NoiseCheck noiseCheck(Path truth, List<AuditedAnchor> anchors, List<String> flagged) {
        Set<String> wrong = new HashSet<>();
        UserFiles.requireInput(truth);
        try (BufferedReader reader = Files.newBufferedReader(truth, StandardCharsets.UTF_8)) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                String[] f = line.split("\t");
                if (f.length >= 3 && f[2].strip().equals("mislabelled")) {
                    wrong.add(f[0]);
                }
            }
        } catch (IOException e) {
            throw new QuarryDataException(truth, "file", "unreadable (" + e.getMessage() + ")",
                    "a truth TSV: anchor<TAB>doc<TAB>kind", e);
        }
        long planted = anchors.stream().filter(a -> wrong.contains(a.anchor()) && !a.negatives().isEmpty()).count();
        long blind = anchors.stream().filter(a -> wrong.contains(a.anchor()) && a.negatives().isEmpty()).count();
        long both = flagged.stream().filter(wrong::contains).count();
        return new AuditReport.NoiseCheck(planted, blind, flagged.size(), both);
    }

    private static double median(float[] values) {
        float[] finite = new float[values.length];
        int n = 0;
        for (float v : values) {
            if (!Float.isNaN(v)) {
                finite[n++] = v;
            }
        }
        if (n == 0) {
            return Double.NaN;
        }
        Arrays.sort(finite, 0, n);
        return n % 2 == 1 ? finite[n / 2] : (finite[n / 2 - 1] + (double) finite[n / 2]) / 2;
    }

    private static ScoreStats ranks(List<Double> values) {
        ScoreStats stats = new ScoreStats();
        values.forEach(v -> stats.add(v.floatValue()));
        return stats;
    }

    private static double[] array(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double min(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).min().orElse(0);
    }

    private static double max(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).max().orElse(1);
    }
}
