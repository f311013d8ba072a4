package dev.quarry.mining.strategy;

import dev.quarry.index.TopK;
import dev.quarry.labels.RunFile;
import dev.quarry.mining.AnchorBlock;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Run-file mining: an anchor's candidates are what a model ranked for it (a TREC or JSONL run), its
 * wrong top-K once positives and known positives are removed, with the run's scores. A positive's
 * score is its score in the run; when the run does not list it the score is unknown ({@code +Inf})
 * and the margins do not constrain that anchor. No embeddings needed.
 */
public final class RunFileSource implements CandidateSource {
    private final RunFile run;
    private final Path file;

    public RunFileSource(RunFile run, Path file) {
        this.run = run;
        this.file = file;
    }

    @Override
    public TopK candidates(AnchorBlock block, int depth) {
        int n = block.size();
        int[] ids = new int[n * depth];
        float[] scores = new float[n * depth];
        int[] counts = new int[n];
        Arrays.fill(ids, -1);
        Arrays.fill(scores, Float.NaN);
        for (int q = 0; q < n; q++) {
            int list = run.indexOf(block.anchors()[q]);
            if (list < 0) {
                continue;
            }
            int[] excluded = block.exclusions()[q];
            int c = 0;
            for (int j = 0; j < run.size(list) && c < depth; j++) {
                int doc = run.doc(list, j);
                if (excluded != null && Arrays.binarySearch(excluded, doc) >= 0) {
                    continue;
                }
                ids[q * depth + c] = doc;
                scores[q * depth + c] = run.score(list, j);
                c++;
            }
            counts[q] = c;
        }
        return new TopK(n, depth, ids, scores, counts);
    }

    @Override
    public float[] positiveScores(AnchorBlock block, int i) {
        int[] positives = block.positives()[i];
        float[] scores = new float[positives.length];
        Arrays.fill(scores, Float.POSITIVE_INFINITY);
        int list = run.indexOf(block.anchors()[i]);
        if (list >= 0 && run.scored()) {
            for (int j = 0; j < run.size(list); j++) {
                int at = Arrays.binarySearch(positives, run.doc(list, j));
                if (at >= 0) {
                    scores[at] = run.score(list, j);
                }
            }
        }
        return scores;
    }

    @Override
    public String describe() {
        return "run file " + file.getFileName();
    }
}
