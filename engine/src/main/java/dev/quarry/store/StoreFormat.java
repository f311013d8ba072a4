package dev.quarry.store;

import java.nio.file.Path;
import java.util.Locale;

/** The matrix file formats Quarry reads; {@link #QVEC} is its own and the only one it writes for vectors. */
public enum StoreFormat {
    /** Quarry's own: a 4096-byte header with a CRC, then float32 rows (see {@link QvecHeader}). */
    QVEC,
    /** NumPy {@code .npy} v1-v3, 2-d, C order, {@code <f4} (opened in place) or {@code <f2} (imported). */
    NPY,
    /** The TEXMEX {@code .fvecs} layout: every row is an int32 dimension followed by that many float32. */
    FVECS;

    /** The format a file name suggests, or null when the extension says nothing. */
    static StoreFormat fromName(Path path) {
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".qvec")) {
            return QVEC;
        }
        if (name.endsWith(".npy")) {
            return NPY;
        }
        if (name.endsWith(".fvecs")) {
            return FVECS;
        }
        return null;
    }
}
