package dev.quarry.mining;

import dev.quarry.options.MineSettings;
import dev.quarry.options.OptionError;

/**
 * What happens to an anchor whose rank window, once filtered, holds fewer candidates than negatives
 * asked. The usual cause is a positive that scores low: the relative margin then drops every candidate
 * (a wrong label, or a query its positive barely matches). Two remedies, each optional:
 * <ul>
 *   <li><b>widen</b>: the anchor takes candidates from the next windows of ranks, each as wide as the
 *   first ({@code [rangeMax, rangeMax + w)}, then the next...), under the same filters, until it has
 *   enough or rank {@code widenTo} is reached. Deeper ranks score lower, so the margins hold. As the first
 *   window skips the {@code rangeMin} hardest ranks, a widened one skips the {@code rangeMin} hardest under
 *   the margin: no rank within {@code rangeMin} of the first one the score caps let through;</li>
 *   <li><b>leave out</b>: an anchor still short is written to no output (as {@code n-tuple} always
 *   does), so a trainer never learns from its label alone.</li>
 * </ul>
 * Neither changes an anchor that got every negative asked from its first window.
 *
 * @param widenTo the rank after the last one a short anchor may take candidates from, or 0: no widening
 * @param leaveOut whether anchors still short are left out of the output
 */
public record ShortfallPolicy(int widenTo, boolean leaveOut) {
    /** Short anchors keep the negatives they got (possibly none). */
    public static final ShortfallPolicy KEEP = new ShortfallPolicy(0, false);

    public ShortfallPolicy {
        if (widenTo < 0) {
            throw new OptionError(MineSettings.WIDEN_TO, widenTo, "a rank > {range_max}, or 0 (off)");
        }
    }

    /** Whether short anchors take candidates from deeper ranks. */
    public boolean widens() {
        return widenTo > 0;
    }

    /** How the summary prints it: {@code keep}, {@code widen to 1000}, {@code leave out}... */
    public String describe() {
        if (!widens()) {
            return leaveOut ? "leave-out" : "keep";
        }
        return "widen-to-" + widenTo + (leaveOut ? "+leave-out" : "");
    }
}
