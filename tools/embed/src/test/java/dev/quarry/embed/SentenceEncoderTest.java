package dev.quarry.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/** The encoder's workers share out batches, never the arithmetic: any worker count gives the same bits. */
class SentenceEncoderTest {

    @Test
    void vectorsAreTheSameBitsWithOneWorkerOrTwo() {
        String[] texts = RealTexts.sample(40).toArray(String[]::new);
        float[] one = new float[texts.length * 384];
        float[] two = new float[texts.length * 384];
        // Batches of 8: five batches, so two workers really run batches side by side.
        try (SentenceEncoder single = SentenceEncoder.open(ModelSource.resolve("minilm"), 1, 256, 8);
             SentenceEncoder pair = SentenceEncoder.open(ModelSource.resolve("minilm"), 2, 256, 8)) {
            single.encode(texts, one);
            pair.encode(texts, two);
        }
        assertArrayEquals(one, two, "vectors with 1 and 2 workers");
    }
}
