package dev.quarry.io;

/**
 * Soft-label weights for mined negatives: {@code w = 1 / (1 + exp(-(s_pos - s_neg) / T))}, where
 * {@code s_pos} is the anchor's reference positive score (its lowest labelled positive) and {@code T}
 * a temperature. A negative scoring as high as the positive gets 0.5 (the model cannot tell it
 * apart: maybe an unlabelled positive); one far below gets close to 1 (a confident negative). A
 * trainer multiplies each negative's loss term by its weight. Unknown positive scores ({@code +Inf})
 * give 1; NaN scores give NaN.
 */
public final class SoftLabels {
    private SoftLabels() {
    }

    /** The weight of a negative scoring {@code negative} for an anchor whose positive scores {@code positive}. */
    public static double weight(float positive, float negative, double temperature) {
        if (positive == Float.POSITIVE_INFINITY) {
            return 1.0;
        }
        return 1.0 / (1.0 + Math.exp(-(positive - negative) / temperature));
    }
}
