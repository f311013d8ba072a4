package dev.quarry.tune;

import dev.quarry.options.CommandSetting;
import dev.quarry.options.CommandSettingError;
import dev.quarry.pipeline.IndexStrategySpec;
import dev.quarry.pipeline.MiningRequest;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@code quarry tune} run described by files and options: the training inputs (as a mining run reads
 * them; each candidate is mined with them), the held-out set (files, or a seeded split of the labelled
 * anchors), the candidates, how the adapter is trained, and where the best configuration goes.
 *
 * @param inputs the training inputs: corpus, anchors, labels, known positives, ids, index, threads, strict
 *               (its configuration and output are not used: each candidate brings its own, nothing is mined to
 *               a file)
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
 * @param output the options file the best configuration is written to
 * @param json the whole report as JSON, or null
 */
public record TuneRequest(MiningRequest inputs, Path heldoutQueries, Path heldoutQrels, double heldoutSplit,
                          Path truth, Path candidatesFile, List<TuneCandidate> candidates, TrainingOptions training,
                          long seed, int seeds, Path output, Path json) {

    public TuneRequest {
        candidates = List.copyOf(candidates);
        if (candidates.stream().noneMatch(TuneCandidate::mines)) {
            throw new CommandSettingError(CommandSetting.CANDIDATES,
                    candidates.size(), "at least one mining configuration");
        }
        if (seeds < 1 || seeds > 100) {
            throw new CommandSettingError(CommandSetting.SEEDS, seeds, "1 <= seeds <= 100");
        }
        if (!(heldoutSplit > 0) || (heldoutSplit >= 1 && heldoutSplit != Math.rint(heldoutSplit))) {
            throw new CommandSettingError(CommandSetting.HELDOUT_SPLIT,
                    heldoutSplit, "a share 0 < s < 1 of the labelled anchors,"
                    + " or a whole number of them");
        }
        if (heldoutQueries != null && heldoutQrels == null) {
            throw new CommandSettingError(CommandSetting.HELDOUT_QUERIES,
                    heldoutQueries, "given with heldoutQrels (the held-out"
                    + " labels)");
        }
        if (!(inputs.strategy() instanceof IndexStrategySpec)) {
            throw new CommandSettingError(CommandSetting.STRATEGY,
                    inputs.strategy().kind().cliName(), "index (tune mines the"
                    + " nearest neighbours with every candidate)");
        }
    }
}
