package dev.quarry.mining.candidate;

/** Why an anchor got fewer negatives than asked: the first stage after which too few candidates were left. */
public enum Shortfall {
    /** The anchor got every negative asked for. */
    NONE("none"),
    /** Fewer candidates than asked in the rank window (small corpus, many exclusions, deep range-min). */
    RANK_WINDOW("rank window held too few candidates"),
    /** The score window ({@code --min-score}/{@code --max-score}) left too few. */
    SCORE_RANGE("filtered by the score window (min and max score)"),
    /** The margin to the positive left too few (often a sign the positive scores low: a suspicious label). */
    MARGIN("filtered by the margin to the positive"),
    /** Too many candidates were near-duplicates of a positive (likely unlabelled positives). */
    NEAR_DUPLICATE("filtered as near-duplicates of a positive"),
    /** The sampler's own window (semi-hard) held too few. */
    SAMPLER("too few in the sampler's window (semi-hard margin)"),
    /** The positive scored below the floor ({@code min_positive_score}): the label is suspect, nothing is mined. */
    POSITIVE_SCORE("the positive scored below the positive score floor");

    private final String description;

    Shortfall(String description) {
        this.description = description;
    }

    /** How the summary names it. */
    public String description() {
        return description;
    }
}
