package dev.quarry.mining.strategy;

import dev.quarry.index.TopK;
import dev.quarry.labels.RunFile;
import dev.quarry.mining.candidate.AnchorBlock;
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
        CandidateLists lists = new CandidateLists(block.size(), depth);
        for (int q = 0; q < block.size(); q++) {
            int list = run.indexOf(block.anchors()[q]);
            if (list < 0) {
                continue;
            }
            int[] excluded = block.exclusions()[q];
            for (int j = 0; j < run.size(list) && lists.hasRoom(q); j++) {
                int doc = run.doc(list, j);
                if (excluded == null || Arrays.binarySearch(excluded, doc) < 0) {
                    lists.add(q, doc, run.score(list, j), 0);
                }
            }
        }
        return lists.toTopK(false);
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
