package dev.quarry.embed;

/** How a sentence vector is made from a model's token vectors. */
public enum Pooling {
    /** The mean of the token vectors the attention mask keeps (sentence-transformers' pooling_mode_mean_tokens). */
    MEAN,
    /** The first token's vector ([CLS]; pooling_mode_cls_token). */
    CLS;

    /** The word used in configs and messages. */
    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
