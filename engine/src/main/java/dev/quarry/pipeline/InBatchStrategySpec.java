package dev.quarry.pipeline;

import dev.quarry.files.AtomicOutput;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.labels.IdMap;
import dev.quarry.mining.strategy.BatchBuilder;
import dev.quarry.mining.strategy.InBatchSource;
import dev.quarry.mining.strategy.Strategy;
import dev.quarry.options.CommandSetting;
import dev.quarry.options.CommandSettingError;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * In-batch mining: each anchor's candidates are the positives of the other anchors of its training
 * batch. Batches are built here ({@link BatchBuilder}), hard by grouping, and their order can be
 * written for the trainer's data loader.
 *
 * @param batchSize anchors per training batch
 * @param grouping how anchors are grouped before batching
 * @param orderOutput where the batch order is written, or null
 */
public record InBatchStrategySpec(int batchSize, BatchBuilder.Grouping grouping, Path orderOutput)
        implements StrategySpec {

    public InBatchStrategySpec {
        if (batchSize < 2) {
            throw new CommandSettingError(CommandSetting.BATCH_SIZE, batchSize, ">= 2");
        }
    }

    @Override
    public Strategy kind() {
        return Strategy.IN_BATCH;
    }

    @Override
    public boolean searchesIndex() {
        return false;
    }

    @Override
    public List<Path> outputFiles() {
        return orderOutput == null ? List.of() : List.of(orderOutput);
    }

    @Override
    public SourcePlan plan(MiningInputs inputs) {
        BatchBuilder builder = new BatchBuilder(inputs.kernels());
        int[] anchors = inputs.anchors().ordinals();
        long seed = inputs.config().seed();
        IvfIndex ivf = inputs.index() instanceof IvfIndex i ? i : null;
        int[] order = builder.order(anchors, inputs.queries(), batchSize, grouping, ivf, seed, inputs.threads());
        int[] random = builder.order(anchors, inputs.queries(), batchSize, BatchBuilder.Grouping.RANDOM, null, seed,
                inputs.threads());
        inputs.note(String.format(Locale.ROOT, "in-batch: mean score of in-batch negatives %.4f in these batches,"
                        + " %.4f in random batches (before filters)",
                BatchBuilder.meanInBatchScore(order, batchSize, inputs.labels().qrels(), inputs.queries(),
                        inputs.corpus()),
                BatchBuilder.meanInBatchScore(random, batchSize, inputs.labels().qrels(), inputs.queries(),
                        inputs.corpus())));
        if (orderOutput != null) {
            writeOrder(orderOutput, order, batchSize, inputs.queryIds().ids());
            inputs.note("batch order for the data loader: " + orderOutput);
        }
        return new SourcePlan(() -> new InBatchSource(inputs.corpus(), inputs.labels().qrels(), order, batchSize),
                "in-batch (batches of " + batchSize + ", " + grouping.name().toLowerCase(Locale.ROOT) + " grouping)",
                order, 0);
    }

    @Override
    public void fingerprint(Fingerprint fingerprint) {
        fingerprint.add("batches", batchSize + " " + grouping);
    }

    private static void writeOrder(Path file, int[] order, int batchSize, IdMap ids) {
        try (AtomicOutput out = AtomicOutput.create(file)) {
            Writer w = new BufferedWriter(Channels.newWriter(out.channel(), StandardCharsets.UTF_8));
            w.write("batch\tanchor\n");
            for (int i = 0; i < order.length; i++) {
                w.write(i / batchSize + "\t" + ids.id(order[i]) + "\n");
            }
            w.flush();
            out.commit();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
