package dev.quarry.pipeline;

import dev.quarry.labels.RunFile;
import dev.quarry.mining.strategy.RunFileSource;
import dev.quarry.mining.strategy.Strategy;
import dev.quarry.options.CommandSetting;
import dev.quarry.options.CommandSettingError;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Mining a model's wrong predictions: the ranked candidates of a TREC or JSONL run file.
 *
 * @param run the run file
 */
public record RunFileStrategySpec(Path run) implements StrategySpec {

    public RunFileStrategySpec {
        if (run == null) {
            throw new CommandSettingError(CommandSetting.RUN, null, "a run file for the run-file strategy");
        }
    }

    @Override
    public Strategy kind() {
        return Strategy.RUN_FILE;
    }

    @Override
    public boolean searchesIndex() {
        return false;
    }

    @Override
    public boolean needsCorpus() {
        return false;
    }

    @Override
    public Map<String, Path> inputFiles() {
        return Map.of("run", run);
    }

    @Override
    public SourcePlan plan(MiningInputs inputs) {
        RunFile file = RunFile.read(run, inputs.queryIds().ids(), inputs.corpusIds().ids(), inputs.strict());
        RunFile.RunReport r = file.report();
        inputs.note(String.format(Locale.ROOT, "run file %s: %,d entries, %,d anchors ranked, %,d unknown anchor"
                        + " ids, %,d unknown doc ids, %,d repeated entries%s", r.file(), r.entries(), r.anchors(),
                r.unknownAnchors(), r.unknownDocs(), r.duplicates(),
                file.scored() ? "" : "; no scores: margins and score windows do not apply"));
        return new SourcePlan(() -> new RunFileSource(file, run), "run file " + run.getFileName(),
                inputs.anchors().ordinals(), 0);
    }

    @Override
    public void fingerprint(Fingerprint fingerprint) {
        fingerprint.addFile("run", run);
    }
}
