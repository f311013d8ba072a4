package dev.quarry.pipeline;

import dev.quarry.QuarryDataException;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.mining.strategy.CrossModelSource;
import dev.quarry.mining.strategy.Fusion;
import dev.quarry.mining.strategy.Strategy;
import dev.quarry.options.CommandSetting;
import dev.quarry.options.CommandSettingError;
import dev.quarry.store.VectorStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Cross-model agreement: several embeddings of the same corpus (the run's stores are the primary
 * model); a candidate is kept when enough models place it in the rank window and none scores it above
 * its positive.
 *
 * @param models the other models' embeddings
 * @param agreement models that must agree (0: all of them)
 * @param fusion how agreed candidates are ordered
 */
public record CrossModelStrategySpec(List<ModelFiles> models, int agreement, Fusion fusion) implements StrategySpec {

    /**
     * One more model's embeddings.
     *
     * @param corpus its corpus embedding (same rows, same order as the primary)
     * @param queries its query embedding, or null when anchors are corpus rows
     */
    public record ModelFiles(Path corpus, Path queries) {
    }

    public CrossModelStrategySpec {
        models = List.copyOf(models);
        if (models.isEmpty()) {
            throw new CommandSettingError(CommandSetting.MODELS, 0, "at least one model besides the primary");
        }
        if (agreement < 0) {
            throw new CommandSettingError(CommandSetting.AGREEMENT, agreement, ">= 1 (0: all models)");
        }
    }

    @Override
    public Strategy kind() {
        return Strategy.CROSS_MODEL;
    }

    @Override
    public boolean searchesIndex() {
        return true;
    }

    @Override
    public Map<String, Path> inputFiles() {
        Map<String, Path> files = new LinkedHashMap<>();
        for (int i = 0; i < models.size(); i++) {
            files.put("model " + (i + 2) + " corpus", models.get(i).corpus());
            if (models.get(i).queries() != null) {
                files.put("model " + (i + 2) + " queries", models.get(i).queries());
            }
        }
        return files;
    }

    @Override
    public SourcePlan plan(MiningInputs inputs) {
        List<CrossModelSource.Model> all = new ArrayList<>();
        all.add(new CrossModelSource.Model(inputs.index(), inputs.corpus(), inputs.queries()));
        for (ModelFiles m : models) {
            all.add(open(inputs, m));
        }
        int agree = agreement == 0 ? all.size() : agreement;
        if (agree > all.size()) {
            throw new CommandSettingError(CommandSetting.AGREEMENT, agree, "at most the " + all.size() + " models");
        }
        int rangeMin = inputs.config().rangeMin();
        int rangeMax = inputs.config().rangeMax();
        return new SourcePlan(() -> new CrossModelSource(all, agree, rangeMin, rangeMax, fusion,
                inputs.searchParams()),
                all.size() + " models, agreement " + agree + ", " + fusion.name().toLowerCase(Locale.ROOT) + " fusion",
                inputs.anchors().ordinals(), all.size() * SourcePlan.searchFlops(inputs.index(), inputs.request().nprobe()));
    }

    @Override
    public void fingerprint(Fingerprint fingerprint) {
        for (int i = 0; i < models.size(); i++) {
            fingerprint.addFile("model " + (i + 2) + " corpus", models.get(i).corpus());
            fingerprint.addFile("model " + (i + 2) + " queries", models.get(i).queries());
        }
        fingerprint.add("agreement", agreement).add("fusion", fusion);
    }

    /** Another model's stores: same rows, same ids, as the primary's. */
    private static CrossModelSource.Model open(MiningInputs inputs, ModelFiles files) {
        VectorStore primary = inputs.corpus();
        VectorStore corpus = inputs.openStore(files.corpus(), "corpus of another model");
        if (corpus.count() != primary.count()) {
            throw new QuarryDataException(files.corpus(), "count", corpus.count(), primary.count() + " rows as in "
                    + primary.path() + " (every model must embed the same corpus, in the same order)");
        }
        StoreIds ids = inputs.remember(StoreIds.of(corpus, null, null));
        StoreIds primaryIds = inputs.corpusIds();
        if (ids.file() != null && primaryIds.file() != null) {
            for (int i = 0; i < corpus.count(); i++) {
                if (!ids.ids().id(i).equals(primaryIds.ids().id(i))) {
                    throw new QuarryDataException(ids.file(), "row " + i + " id", ids.ids().id(i), primaryIds.ids()
                            .id(i) + " as in " + primaryIds.file() + " (the models' rows must be in the same order)");
                }
            }
        }
        VectorStore queries = corpus;
        if (!inputs.anchorsAreCorpusRows()) {
            if (files.queries() == null) {
                throw new CommandSettingError(CommandSetting.MODELS,
                        files.corpus(), "CORPUS,QUERIES: one query embedding per"
                        + " corpus embedding when anchors are queries");
            }
            queries = inputs.openStore(files.queries(), "queries of another model");
            VectorStore primaryQueries = inputs.queries();
            if (queries.count() != primaryQueries.count() || queries.dim() != corpus.dim()) {
                throw new QuarryDataException(files.queries(), "shape", queries.count() + " x " + queries.dim(),
                        primaryQueries.count() + " x " + corpus.dim() + " (the primary's query count, this model's dim)");
            }
        }
        return new CrossModelSource.Model(new FlatIndex(corpus, inputs.kernels()), corpus, queries);
    }
}
