package dev.quarry.options;

/**
 * A setting outside the mining request's schema (an index build's, a strategy's, {@code quarry tune}'s,
 * {@code quarry embed}'s, {@code quarry spark-mine}'s), declared once: the engine's name for it, which an error
 * carries as its field and which the HTTP service and Spark show, and the command line's flag that sets it.
 * An engine check refuses such a value with a {@link CommandSettingError} naming the constant, so each door
 * renders it in its own words ({@link Door#render(dev.quarry.QuarryUsageException)}) and nothing maps names by
 * hand or reads a message back.
 */
public enum CommandSetting {
    /** k-means: the number of lists. */
    NLIST("nlist", CommandFlags.NLIST),
    /** k-means: Lloyd iterations. */
    ITERATIONS("iterations", CommandFlags.ITERATIONS),
    /** k-means: training points sampled per centroid. */
    MAX_POINTS_PER_CENTROID("maxPointsPerCentroid", CommandFlags.MAX_POINTS_PER_CENTROID),
    /** k-means: the training sample's size. */
    MAX_TRAINING_POINTS("maxTrainingPoints", CommandFlags.TRAIN_SAMPLE),
    /** Worker threads. */
    THREADS("threads", CommandFlags.THREADS),
    /** The mining strategy. */
    STRATEGY("strategy", CommandFlags.STRATEGY),
    /** The in-batch strategy's batch size, or {@code quarry tune}'s training batch. */
    BATCH_SIZE("batchSize", CommandFlags.BATCH_SIZE),
    /** How the in-batch strategy groups anchors into batches. */
    BATCH_GROUPING("batchGrouping", CommandFlags.BATCH_ORDER),
    /** The run-file strategy's run. */
    RUN("run", CommandFlags.RUN),
    /** The corpus store. */
    CORPUS("corpus", CommandFlags.CORPUS),
    /** The cross-model strategy's other models. */
    MODELS("models", CommandFlags.MODEL),
    /** How many models must agree on a candidate. */
    AGREEMENT("agreement", CommandFlags.AGREEMENT),
    /** How the cross-model strategy fuses the models' ranks. */
    FUSION("fusion", CommandFlags.FUSION),
    /** The qrels' format. */
    QRELS_FORMAT("qrelsFormat", CommandFlags.QRELS_FORMAT),
    /** Resuming from a checkpoint. */
    RESUME("resume", CommandFlags.RESUME),
    /** Spark: where the corpus lives (replicated or sharded). */
    PLACEMENT("placement", CommandFlags.PLACEMENT),
    /** Spark: the shard layout's directory. */
    SHARDS("shards", CommandFlags.SHARDS),
    /** Spark: how many shards the layout holds. */
    SHARD_COUNT("shardCount", CommandFlags.SHARD_COUNT),
    /** {@code quarry embed}: the model. */
    MODEL("model", CommandFlags.MODEL),
    /** {@code quarry embed}: tokens kept per text. */
    MAX_TOKENS("maxTokens", CommandFlags.MAX_TOKENS),
    /** {@code quarry tune}: the InfoNCE temperature. */
    TEMPERATURE("temperature", CommandFlags.TEMPERATURE),
    /** {@code quarry tune}: Adam's learning rate. */
    LEARNING_RATE("learningRate", CommandFlags.LEARNING_RATE),
    /** {@code quarry tune}: training epochs. */
    EPOCHS("epochs", CommandFlags.EPOCHS),
    /** {@code quarry tune}: training seeds per configuration. */
    SEEDS("seeds", CommandFlags.SEEDS),
    /** {@code quarry tune}: the share of labelled anchors held out. */
    HELDOUT_SPLIT("heldoutSplit", CommandFlags.HELDOUT_SPLIT),
    /** {@code quarry tune}: held-out queries given apart from the training anchors. */
    HELDOUT_QUERIES("heldoutQueries", CommandFlags.HELDOUT_QUERIES),
    /** {@code quarry tune}: the mining configurations compared. */
    CANDIDATES("candidates", CommandFlags.CANDIDATES),
    /** {@code quarry generate}: the benchmark data set's kind. */
    KIND("kind", CommandFlags.KIND);

    private final String field;
    private final String flag;

    CommandSetting(String field, String flag) {
        this.field = field;
        this.flag = flag;
    }

    /** The engine's name, as an error's field carries it ({@code maxTrainingPoints}). */
    public String field() {
        return field;
    }

    /** The command line's flag that sets it ({@code --train-sample}). */
    public String flag() {
        return flag;
    }
}
