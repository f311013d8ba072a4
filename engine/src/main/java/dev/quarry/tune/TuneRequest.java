package dev.quarry.tune;

import dev.quarry.QuarryUsageException;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@code quarry tune} run described by files and options: the training labels (mined once per
 * candidate), the held-out set (files, or a seeded split of the labelled anchors), the candidates, how the
 * adapter is trained, and where the best configuration goes.
 *
 * @param corpus the corpus store
 * @param queries the anchors' store, or null when anchors are rows of the corpus
 * @param qrels the training labels
 * @param knownPositives pairs never mined as negatives (counted as false negatives when mined), or null
 * @param corpusIds the corpus id file, or null ({@code CORPUS.ids} or row numbers)
 * @param queriesIds the queries' id file, or null
 * @param index an IVF index to mine with, or null for exact search (held-out recall is always exact)
 * @param nprobe lists probed with an IVF index (0: its default)
 * @param heldoutQueries the held-out queries' store, or null: the training queries' store
 * @param heldoutQrels held-out labels, or null: a split of the training labels
 * @param heldoutSplit without held-out labels, the share ({@code < 1}) or number ({@code >= 1}) of labelled
 *                     anchors held out
 * @param truth true positives beyond the labels ({@code anchor doc [kind]} per line, as the demos write
 *              {@code truth.tsv}), or null: mined negatives among them are known false negatives
 * @param candidatesFile the file the candidates were read from, or null (only read, never written)
 * @param candidates the configurations to compare (the in-batch baseline is added)
 * @param training how the adapter is trained
 * @param seed the first seed; seed {@code i} of {@code seeds} is {@code seed + i}, for sampling and training
 * @param seeds seeds per candidate (the spread over them is the noise a difference must beat)
 * @param threads worker threads
 * @param strict fail on ids that name no row
 * @param output the options file the best configuration is written to
 * @param json the whole report as JSON, or null
 */
public record TuneRequest(Path corpus, Path queries, Path qrels, Path knownPositives, Path corpusIds, Path queriesIds,
                          Path index, int nprobe, Path heldoutQueries, Path heldoutQrels, double heldoutSplit,
                          Path truth, Path candidatesFile, List<TuneCandidate> candidates, TrainingOptions training,
                          long seed, int seeds, int threads, boolean strict, Path output, Path json) {

    public TuneRequest {
        candidates = List.copyOf(candidates);
        if (candidates.stream().noneMatch(TuneCandidate::mines)) {
            throw new QuarryUsageException("candidates", candidates.size(), "at least one mining configuration");
        }
        if (seeds < 1 || seeds > 100) {
            throw new QuarryUsageException("seeds", seeds, "1 <= seeds <= 100");
        }
        if (!(heldoutSplit > 0) || (heldoutSplit >= 1 && heldoutSplit != Math.rint(heldoutSplit))) {
            throw new QuarryUsageException("heldoutSplit", heldoutSplit, "a share 0 < s < 1 of the labelled anchors,"
                    + " or a whole number of them");
        }
        if (heldoutQueries != null && heldoutQrels == null) {
            throw new QuarryUsageException("heldoutQueries", heldoutQueries, "given with heldoutQrels (the held-out"
                    + " labels)");
        }
        if (threads < 1) {
            throw new QuarryUsageException("threads", threads, ">= 1");
        }
    }
}
