package dev.quarry.tune;

import dev.quarry.QuarryDataException;
import dev.quarry.Seeds;
import dev.quarry.options.CommandSetting;
import dev.quarry.options.CommandSettingError;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;

/**
 * A seeded split of the labelled anchors into training and held-out anchors, disjoint by anchor: the
 * held-out ones are those with the smallest {@code Seeds.mix(seed, anchor)} (a function of the seed and
 * the anchor only, so the same anchors whatever the threads or the order of the labels).
 *
 * @param training the training anchors, in the order given
 * @param heldout the held-out anchors, ascending
 */
public record HeldoutSplit(int[] training, int[] heldout) {
    /** Mixed into the seed so the split does not follow the sampling's random streams. */
    private static final long STREAM = 0x48454c444f5554L;

    /** Splits {@code anchors}: {@code share < 1} of them, or {@code share} anchors, held out. */
    public static HeldoutSplit of(int[] anchors, double share, long seed, Path qrels) {
        int count = share < 1 ? (int) Math.round(share * anchors.length) : (int) share;
        if (count < 1 || count >= anchors.length) {
            if (anchors.length < 2) {
                throw new QuarryDataException(qrels, "labelled anchors", anchors.length,
                        "at least 2 to split into training and held-out anchors (or give held-out labels)");
            }
            throw new CommandSettingError(CommandSetting.HELDOUT_SPLIT,
                    share, "a split leaving at least one anchor on each side"
                    + " of " + anchors.length + " labelled anchors (it holds out " + count + ")");
        }
        long mixed = Seeds.mix(seed, STREAM);
        Integer[] order = new Integer[anchors.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingLong((Integer i) -> Seeds.mix(mixed, anchors[i])).thenComparingInt(i -> i));
        boolean[] out = new boolean[anchors.length];
        int[] heldout = new int[count];
        for (int i = 0; i < count; i++) {
            out[order[i]] = true;
            heldout[i] = anchors[order[i]];
        }
        Arrays.sort(heldout);
        int[] training = new int[anchors.length - count];
        int t = 0;
        for (int i = 0; i < anchors.length; i++) {
            if (!out[i]) {
                training[t++] = anchors[i];
            }
        }
        return new HeldoutSplit(training, heldout);
    }
}
