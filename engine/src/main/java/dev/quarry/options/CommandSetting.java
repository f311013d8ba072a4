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
    NLIST("nlist", "--nlist"),
    /** k-means: Lloyd iterations. */
    ITERATIONS("iterations", "--iterations"),
    /** k-means: training points sampled per centroid. */
    MAX_POINTS_PER_CENTROID("maxPointsPerCentroid", "--max-points-per-centroid"),
    /** k-means: the training sample's size. */
    MAX_TRAINING_POINTS("maxTrainingPoints", "--train-sample"),
    /** Worker threads. */
    THREADS("threads", "--threads"),
    /** The mining strategy. */
    STRATEGY("strategy", "--strategy"),
    /** The in-batch strategy's batch size, or {@code quarry tune}'s training batch. */
    BATCH_SIZE("batchSize", "--batch-size"),
    /** How the in-batch strategy groups anchors into batches. */
    BATCH_GROUPING("batchGrouping", "--batch-order"),
    /** The run-file strategy's run. */
    RUN("run", "--run"),
    /** The corpus store. */
    CORPUS("corpus", "--corpus"),
    /** The cross-model strategy's other models. */
    MODELS("models", "--model"),
    /** How many models must agree on a candidate. */
    AGREEMENT("agreement", "--agreement"),
    /** How the cross-model strategy fuses the models' ranks. */
    FUSION("fusion", "--fusion"),
    /** The qrels' format. */
    QRELS_FORMAT("qrelsFormat", "--qrels-format"),
    /** Resuming from a checkpoint. */
    RESUME("resume", "--resume"),
    /** Spark: where the corpus lives (replicated or sharded). */
    PLACEMENT("placement", "--placement"),
    /** Spark: the shard layout's directory. */
    SHARDS("shards", "--shards"),
    /** Spark: how many shards the layout holds. */
    SHARD_COUNT("shardCount", "--shard-count"),
    /** {@code quarry embed}: the model. */
    MODEL("model", "--model"),
    /** {@code quarry embed}: tokens kept per text. */
    MAX_TOKENS("maxTokens", "--max-tokens"),
    /** {@code quarry tune}: the InfoNCE temperature. */
    TEMPERATURE("temperature", "--temperature"),
    /** {@code quarry tune}: Adam's learning rate. */
    LEARNING_RATE("learningRate", "--learning-rate"),
    /** {@code quarry tune}: training epochs. */
    EPOCHS("epochs", "--epochs"),
    /** {@code quarry tune}: training seeds per configuration. */
    SEEDS("seeds", "--seeds"),
    /** {@code quarry tune}: the share of labelled anchors held out. */
    HELDOUT_SPLIT("heldoutSplit", "--heldout-split"),
    /** {@code quarry tune}: held-out queries given apart from the training anchors. */
    HELDOUT_QUERIES("heldoutQueries", "--heldout-queries"),
    /** {@code quarry tune}: the mining configurations compared. */
    CANDIDATES("candidates", "--candidates"),
    /** {@code quarry generate}: the benchmark data set's kind. */
    KIND("kind", "--kind");

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
