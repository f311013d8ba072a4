package dev.quarry.index.ivf;

import dev.quarry.QuarryDataException;
import dev.quarry.files.FileFormat;
import dev.quarry.vector.RowPanels;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The header of a {@code .qivf} file, a {@link FileFormat} file (little-endian), 4096 bytes:
 *
 * <pre>
 * offset size field
 *      0    4 magic "QIVF"
 *      4    2 version = 4
 *      6    2 metric: 0 = spherical (inner product, unit-norm centroids), 1 = euclidean centroids
 *      8    4 dim
 *     12    4 nlist
 *     16    8 count (vectors in the lists)
 *     24    8 trained-on count (k-means sample)
 *     32    8 seed
 *     40    8 fingerprint: the store's count
 *     48    4 fingerprint: the store's dim
 *     52    4 zero
 *     56    8 vector rows: count plus the padding of each list's last panel
 *     64    8 fingerprint: the checksum of the store's rows ({@link dev.quarry.store.StoreContent})
 *     72    4 CRC32C of bytes 0..71
 * </pre>
 *
 * Then the body, each section starting at a multiple of 64 bytes (the gaps zero): centroids (nlist x
 * dim float32), list offsets (nlist + 1 u64, in vectors), ordinals (count int32, list-major, ascending
 * within a list), vectors (vector rows x dim float32, in the same order). Each list's vectors are stored
 * in panels of 16 rows ({@link dev.quarry.vector.RowPanels}), its last panel padded with zero rows, so
 * list i starts at row {@code sum over j < i of paddedRows(size j)} of the section. A probe of list i
 * reads one contiguous run. Last, the footer: the checksum of the body ({@link FileFormat#footer}).
 *
 * <p>Version 1 stored the vectors row after row, unpadded; version 2 fingerprinted the store by its
 * header CRC, which two stores of the same shape share; version 3 had no footer. Each is refused with
 * the command that rebuilds it. To add a field: put it after the last one, move {@code CHECKED} (and the
 * CRC) past it, and bump {@code VERSION}; a new section gets an offset method like those below, and
 * {@link #fileSize()} ends after it.
 */
record IvfHeader(int metric, int dim, int nlist, long count, long trainedOn, long seed, long storeCount,
                 int storeDim, long vectorRows, long storeChecksum) {
    static final int SIZE = 4096;
    static final int VERSION = 4;
    static final int SPHERICAL = 0;
    static final int EUCLIDEAN = 1;
    private static final int CHECKED = 72;
    static final FileFormat FORMAT = new FileFormat("QIVF", "a .qivf index", VERSION, VERSION, CHECKED, SIZE);

    long centroidsAt() {
        return SIZE;
    }

    long offsetsAt() {
        return align(centroidsAt() + 4L * nlist * dim);
    }

    long ordinalsAt() {
        return align(offsetsAt() + 8L * (nlist + 1L));
    }

    long vectorsAt() {
        return align(ordinalsAt() + 4L * count);
    }

    /** Where the footer starts: the end of the body. */
    long footerAt() {
        return vectorsAt() + 4L * dim * vectorRows;
    }

    long fileSize() {
        return footerAt() + FileFormat.FOOTER_BYTES;
    }

    private static long align(long offset) {
        return (offset + 63) / 64 * 64;
    }

    ByteBuffer encode() {
        return FORMAT.sealHeader(FORMAT.startHeader().putShort((short) metric).putInt(dim).putInt(nlist).putLong(count)
                .putLong(trainedOn).putLong(seed).putLong(storeCount).putInt(storeDim).putInt(0).putLong(vectorRows)
                .putLong(storeChecksum));
    }

    /**
     * Parses and checks a header against the file's size.
     *
     * @param olderRemedy what to do with an index of an older version: the command that rebuilds it
     */
    static IvfHeader decode(Path file, ByteBuffer head, long fileSize, String olderRemedy) {
        ByteBuffer buf = FORMAT.readHeader(file, head, olderRemedy).bytes();
        if (fileSize < SIZE + FileFormat.FOOTER_BYTES) {
            throw new QuarryDataException(file, "size", fileSize + " bytes", "at least a " + SIZE
                    + "-byte .qivf header and a footer (truncated?)");
        }
        IvfHeader h = new IvfHeader(Short.toUnsignedInt(buf.getShort(6)), buf.getInt(8), buf.getInt(12),
                buf.getLong(16), buf.getLong(24), buf.getLong(32), buf.getLong(40), buf.getInt(48), buf.getLong(56),
                buf.getLong(64));
        if (h.metric != SPHERICAL && h.metric != EUCLIDEAN) {
            throw new QuarryDataException(file, "metric", h.metric, "0 (spherical) or 1 (euclidean)");
        }
        if (h.dim < 1 || h.nlist < 1 || h.count < 0 || h.count > Integer.MAX_VALUE || h.vectorRows < h.count
                || h.vectorRows > h.count + (long) h.nlist * (RowPanels.ROWS - 1)) {
            throw new QuarryDataException(file, "header", "dim=" + h.dim + " nlist=" + h.nlist + " count=" + h.count
                    + " vector rows=" + h.vectorRows, "dim >= 1, nlist >= 1, 0 <= count < 2^31, count <= vector rows"
                    + " <= count + nlist x 15");
        }
        if (h.dim != h.storeDim) {
            throw new QuarryDataException(file, "dim", h.dim, h.storeDim + ", the dim of the store it was built from");
        }
        // Before fileSize(): claimed counts whose products wrap around 2^64 could add up to the real size.
        if ((long) h.nlist * h.dim > fileSize / 4 || h.vectorRows > fileSize / 4 / h.dim) {
            throw new QuarryDataException(file, "size", fileSize + " bytes", "room for nlist=" + h.nlist
                    + " centroids and vector rows=" + h.vectorRows + " of dim=" + h.dim + " (truncated)");
        }
        if (fileSize != h.fileSize()) {
            throw new QuarryDataException(file, "size", fileSize + " bytes", h.fileSize() + " bytes for nlist="
                    + h.nlist + ", count=" + h.count + ", dim=" + h.dim + (fileSize < h.fileSize() ? " (truncated)" : ""));
        }
        return h;
    }
}
