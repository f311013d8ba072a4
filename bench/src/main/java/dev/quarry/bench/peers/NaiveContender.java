package dev.quarry.bench.peers;

/**
 * The floor: plain scalar Java, {@code float[][]} rows on the heap, {@code sum += a[i] * b[i]}, one
 * query at a time. C2 keeps a float sum in order (it may not reassociate it), so this loop does not
 * vectorize: it shows what the SIMD code of the others is worth.
 */
public final class NaiveContender extends HeapRowsContender {
    @Override
    public String simd() {
        return "scalar (plain Java loop)";
    }

    @Override
    protected float dot(float[] a, float[] b) {
        float sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }
}
