package dev.quarry.options;

/**
 * The command line's flags of the {@link CommandSetting}s, as compile-time constants so that a command's picocli
 * {@code @Option(names = CommandFlags.NLIST)} and the setting an engine error names are one declaration: renaming a
 * flag here renames it on the command line and in every error that points at it.
 */
public final class CommandFlags {
    private CommandFlags() {
    }

    /** {@code --agreement}. */
    public static final String AGREEMENT = "--agreement";

    /** {@code --batch-order}. */
    public static final String BATCH_ORDER = "--batch-order";

    /** {@code --batch-size}. */
    public static final String BATCH_SIZE = "--batch-size";

    /** {@code --candidates}. */
    public static final String CANDIDATES = "--candidates";

    /** {@code --corpus}. */
    public static final String CORPUS = "--corpus";

    /** {@code --epochs}. */
    public static final String EPOCHS = "--epochs";

    /** {@code --fusion}. */
    public static final String FUSION = "--fusion";

    /** {@code --heldout-queries}. */
    public static final String HELDOUT_QUERIES = "--heldout-queries";

    /** {@code --heldout-split}. */
    public static final String HELDOUT_SPLIT = "--heldout-split";

    /** {@code --iterations}. */
    public static final String ITERATIONS = "--iterations";

    /** {@code --kind}. */
    public static final String KIND = "--kind";

    /** {@code --learning-rate}. */
    public static final String LEARNING_RATE = "--learning-rate";

    /** {@code --max-points-per-centroid}. */
    public static final String MAX_POINTS_PER_CENTROID = "--max-points-per-centroid";

    /** {@code --max-tokens}. */
    public static final String MAX_TOKENS = "--max-tokens";

    /** {@code --model}. */
    public static final String MODEL = "--model";

    /** {@code --nlist}. */
    public static final String NLIST = "--nlist";

    /** {@code --placement}. */
    public static final String PLACEMENT = "--placement";

    /** {@code --qrels-format}. */
    public static final String QRELS_FORMAT = "--qrels-format";

    /** {@code --resume}. */
    public static final String RESUME = "--resume";

    /** {@code --run}. */
    public static final String RUN = "--run";

    /** {@code --seeds}. */
    public static final String SEEDS = "--seeds";

    /** {@code --shards}. */
    public static final String SHARDS = "--shards";

    /** {@code --shard-count}. */
    public static final String SHARD_COUNT = "--shard-count";

    /** {@code --strategy}. */
    public static final String STRATEGY = "--strategy";

    /** {@code --temperature}. */
    public static final String TEMPERATURE = "--temperature";

    /** {@code --threads}. */
    public static final String THREADS = "--threads";

    /** {@code --train-sample}. */
    public static final String TRAIN_SAMPLE = "--train-sample";
}
