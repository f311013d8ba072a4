package dev.quarry.tune;

import dev.quarry.options.CommandSetting;
import dev.quarry.options.CommandSettingError;

/**
 * How the query adapter is trained on a mined set: InfoNCE at {@code temperature} over the positive, the
 * mined negatives and the other positives of the batch, Adam at {@code learningRate}, {@code epochs} passes
 * over the examples in batches of {@code batchSize}. Checked at construction: a value that cannot train
 * (NaN, zero, negative) is a usage error naming the field.
 *
 * @param temperature the softmax temperature of the cosine logits ({@code 0 < t <= 10})
 * @param learningRate Adam's step size ({@code 0 < lr <= 1})
 * @param epochs passes over the training examples ({@code 1 <= epochs <= 1000})
 * @param batchSize examples per step, whose positives are each other's in-batch negatives ({@code >= 2})
 */
public record TrainingOptions(double temperature, double learningRate, int epochs, int batchSize) {
    /** Default temperature, as sentence-transformers' MultipleNegativesRankingLoss (scale 20). */
    public static final double DEFAULT_TEMPERATURE = 0.05;
    public static final double DEFAULT_LEARNING_RATE = 1e-3;
    public static final int DEFAULT_EPOCHS = 2;
    public static final int DEFAULT_BATCH_SIZE = 64;

    public TrainingOptions {
        if (!(temperature > 0 && temperature <= 10)) {
            throw new CommandSettingError(CommandSetting.TEMPERATURE, temperature, "a number 0 < t <= 10");
        }
        if (!(learningRate > 0 && learningRate <= 1)) {
            throw new CommandSettingError(CommandSetting.LEARNING_RATE, learningRate, "a number 0 < lr <= 1");
        }
        if (epochs < 1 || epochs > 1000) {
            throw new CommandSettingError(CommandSetting.EPOCHS, epochs, "1 <= epochs <= 1000");
        }
        if (batchSize < 2 || batchSize > 65536) {
            throw new CommandSettingError(CommandSetting.BATCH_SIZE,
                    batchSize, "2 <= batch size <= 65536 (in-batch negatives"
                    + " need another example in the batch)");
        }
    }

    /** The defaults. */
    public static TrainingOptions defaults() {
        return new TrainingOptions(DEFAULT_TEMPERATURE, DEFAULT_LEARNING_RATE, DEFAULT_EPOCHS, DEFAULT_BATCH_SIZE);
    }

    /** One line for the report. */
    public String describe() {
        return "temperature " + temperature + ", learning rate " + learningRate + ", " + epochs + " epoch"
                + (epochs == 1 ? "" : "s") + ", batch " + batchSize;
    }
}
