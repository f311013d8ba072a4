package dev.quarry.index.ivf;

import dev.quarry.QuarryDataException;
import dev.quarry.files.FileFormat;
import dev.quarry.vector.FastScanLayout;
import dev.quarry.vector.RowPanels;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The header of a {@code .qivf} file, a {@link FileFormat} file (little-endian), 4096 bytes:
 *
 * <pre>
 * offset size field
 *      0    4 magic "QIVF"
 *      4    2 version: 4, or 5 when the lists are int8 or there is a centroid graph, or 6 when they are pq4
 *      6    2 metric: 0 = spherical (inner product, unit-norm centroids), 1 = euclidean centroids
 *      8    4 dim
 *     12    4 nlist
 *     16    8 count (vectors in the lists)
 *     24    8 trained-on count (k-means sample)
 *     32    8 seed
 *     40    8 fingerprint: the store's count
 *     48    4 fingerprint: the store's dim
 *     52    2 list encoding: 0 = float32, 1 = int8, 2 = pq4 (zero in version 4; 2 only in version 6)
 *     54    2 centroid graph degree: 0 = no graph (zero in version 4)
 *     56    8 vector rows: count plus the padding of each list's last panel
 *     64    8 fingerprint: the checksum of the store's rows ({@link dev.quarry.store.StoreContent})
 *     72    4 CRC32C of bytes 0..71 (versions 4 and 5)
 *     72    4 version 6: sub-spaces m of the pq4 codes
 *     76    4 version 6: CRC32C of bytes 0..75
 * </pre>
 *
 * Then the body, each section starting at a multiple of 64 bytes (the gaps zero): centroids (nlist x
 * dim float32), list offsets (nlist + 1 u64, in vectors), ordinals (count int32, list-major, ascending
 * within a list), for int8 lists the quantizer ({@link Int8Quantizer}: dim float32 lows, then dim
 * float32 steps; code c of component i stands for {@code low[i] + step[i] x (c + 128)}), for pq4 lists the
 * codebook ({@link PqCodebook}: m sub-spaces x 16 centroids of dim / m float32, {@code 16 x dim} floats), then the
 * vectors (vector rows x dim components, float32 or one signed byte each, in the same order; for pq4
 * lists, each list's 4-bit codes in the {@link dev.quarry.vector.FastScanLayout}, blocks of 32 rows of
 * {@code paddedSubspaces(m) x 16} bytes, its last block padded with code 0). Each
 * list's vectors are stored in panels of 16 rows ({@link dev.quarry.vector.RowPanels}), its last panel
 * padded with zero rows, so list i starts at row {@code sum over j < i of paddedRows(size j)} of the
 * section (pq4: rows rounded up to whole blocks of 32). A probe of list i reads one contiguous run. When the graph degree is not 0, the centroid
 * graph ({@link CentroidGraph}): a 64-byte head (entry u32, default beam u32, the agreement and the
 * centroids scored measured at that beam f32 x 2, rows measured u32, zero), then nlist x degree int32
 * out-edges, -1 after a node's last. Last, the footer: the checksum of the body ({@link FileFormat#footer}).
 *
 * <p>Version 1 stored the vectors row after row, unpadded; version 2 fingerprinted the store by its
 * header CRC, which two stores of the same shape share; version 3 had no footer. Each is refused with
 * the command that rebuilds it. Version 5 gave the zero field at 52 the list encoding and the graph
 * degree; an index with float32 lists and no graph is still written as version 4, the bytes the
 * releases before read, and both versions are read. Version 6 (pq4 lists only) added the sub-spaces field at 72,
 * so its CRC sits at 76; the other encodings are still written as version 4 or 5. To add a field: put it after the last one, move
 * {@code CHECKED} (and the CRC) past it, and bump {@code VERSION}; a new section gets an offset method
 * like those below, and {@link #fileSize()} ends after it.
 */
record IvfHeader(int metric, int dim, int nlist, long count, long trainedOn, long seed, long storeCount,
                 int storeDim, long vectorRows, long storeChecksum, int encoding, int graphDegree, int subspaces) {
    static final int SIZE = 4096;
    /** The version written for an index with int8 lists or a centroid graph. */
    static final int VERSION = 5;
    /** The version written for float32 lists and no graph (the field at 52 zero), still read. */
    static final int VERSION_PLAIN = 4;
    static final int SPHERICAL = 0;
    static final int EUCLIDEAN = 1;
    static final int FLOAT32 = 0;
    static final int INT8 = 1;
    static final int PQ4 = 2;
    /** The version written for an index with pq4 lists: the sub-spaces field at 72, the CRC after it. */
    static final int VERSION_PQ = 6;
    /** Bytes of the graph section's head. */
    static final int GRAPH_HEAD = 64;
    /** The most out-edges a graph node may have. */
    static final int MAX_DEGREE = 1024;
    private static final int CHECKED = 72;
    /** Versions 4 and 5 (the CRC at 72); a version-6 header is read with {@link #FORMAT_PQ}. */
    static final FileFormat FORMAT = new FileFormat("QIVF", "a .qivf index", VERSION_PQ, VERSION_PLAIN, CHECKED, SIZE);
    /** Version 6: the sub-spaces field at 72, the CRC at 76. */
    static final FileFormat FORMAT_PQ = new FileFormat("QIVF", "a .qivf index", VERSION_PQ, VERSION_PQ, CHECKED + 4,
            SIZE);

    /** A header without pq4 lists (sub-spaces 0). */
    IvfHeader(int metric, int dim, int nlist, long count, long trainedOn, long seed, long storeCount, int storeDim,
              long vectorRows, long storeChecksum, int encoding, int graphDegree) {
        this(metric, dim, nlist, count, trainedOn, seed, storeCount, storeDim, vectorRows, storeChecksum, encoding,
                graphDegree, 0);
    }

    /** Rows a list of {@code size} vectors takes in the vectors section: whole panels of 16, or blocks of 32 for pq4. */
    static long paddedRows(int encoding, long size) {
        return encoding == PQ4 ? FastScanLayout.blocks(size) * FastScanLayout.BLOCK_ROWS : RowPanels.paddedRows(size);
    }

    /** The most padding rows one list may have. */
    private static int padding(int encoding) {
        return encoding == PQ4 ? FastScanLayout.BLOCK_ROWS - 1 : RowPanels.ROWS - 1;
    }

    long centroidsAt() {
        return SIZE;
    }

    long offsetsAt() {
        return align(centroidsAt() + 4L * nlist * dim);
    }

    long ordinalsAt() {
        return align(offsetsAt() + 8L * (nlist + 1L));
    }

    /**
     * Where the int8 quantizer or the pq4 codebook starts (where the vectors start when the lists are
     * float32).
     */
    long quantizerAt() {
        return align(ordinalsAt() + 4L * count);
    }

    long vectorsAt() {
        return switch (encoding) {
            case INT8 -> align(quantizerAt() + 8L * dim);
            case PQ4 -> align(quantizerAt() + 4L * PqCodebook.ENTRIES * dim);
            default -> quantizerAt();
        };
    }

    /** Bytes per stored vector component: 4 (float32) or 1 (int8); not for pq4 lists ({@link #rowBytes}). */
    int componentBytes() {
        return encoding == INT8 ? 1 : 4;
    }

    /** Bytes one stored row takes in the vectors section: half a byte per padded sub-space for pq4. */
    long rowBytes() {
        return encoding == PQ4 ? FastScanLayout.blockBytes(subspaces) / FastScanLayout.BLOCK_ROWS
                : (long) componentBytes() * dim;
    }

    /** Where the centroid graph's section starts (the end of the vectors when there is none). */
    long graphAt() {
        long end = vectorsAt() + rowBytes() * vectorRows;
        return graphDegree == 0 ? end : align(end);
    }

    /** Where the footer starts: the end of the body. */
    long footerAt() {
        return graphAt() + (graphDegree == 0 ? 0 : GRAPH_HEAD + 4L * nlist * graphDegree);
    }

    /** The version this header is written with. */
    int version() {
        return encoding == PQ4 ? VERSION_PQ : encoding == FLOAT32 && graphDegree == 0 ? VERSION_PLAIN : VERSION;
    }

    long fileSize() {
        return footerAt() + FileFormat.FOOTER_BYTES;
    }

    private static long align(long offset) {
        return (offset + 63) / 64 * 64;
    }

    ByteBuffer encode() {
        FileFormat format = encoding == PQ4 ? FORMAT_PQ : FORMAT;
        ByteBuffer header = format.startHeader().putShort((short) metric).putInt(dim).putInt(nlist).putLong(count)
                .putLong(trainedOn).putLong(seed).putLong(storeCount).putInt(storeDim).putShort((short) encoding)
                .putShort((short) graphDegree).putLong(vectorRows).putLong(storeChecksum);
        if (encoding == PQ4) {
            header.putInt(subspaces);
        }
        header.putShort(4, (short) version());
        return format.sealHeader(header);
    }

    /**
     * Parses and checks a header against the file's size.
     *
     * @param olderRemedy what to do with an index of an older version: the command that rebuilds it
     */
    static IvfHeader decode(Path file, ByteBuffer head, long fileSize, String olderRemedy) {
        // The version picks the header's layout: version 6 checks 4 more bytes than 4 and 5.
        boolean pq = head.remaining() >= 6 && Short.toUnsignedInt(head.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .getShort(head.position() + 4)) == VERSION_PQ;
        FileFormat.Header read = (pq ? FORMAT_PQ : FORMAT).readHeader(file, head, olderRemedy);
        ByteBuffer buf = read.bytes();
        if (fileSize < SIZE + FileFormat.FOOTER_BYTES) {
            throw new QuarryDataException(file, "size", fileSize + " bytes", "at least a " + SIZE
                    + "-byte .qivf header and a footer (truncated?)");
        }
        IvfHeader h = new IvfHeader(Short.toUnsignedInt(buf.getShort(6)), buf.getInt(8), buf.getInt(12),
                buf.getLong(16), buf.getLong(24), buf.getLong(32), buf.getLong(40), buf.getInt(48), buf.getLong(56),
                buf.getLong(64), Short.toUnsignedInt(buf.getShort(52)), Short.toUnsignedInt(buf.getShort(54)),
                pq ? buf.getInt(72) : 0);
        if (h.metric != SPHERICAL && h.metric != EUCLIDEAN) {
            throw new QuarryDataException(file, "metric", h.metric, "0 (spherical) or 1 (euclidean)");
        }
        boolean plain = read.version() == VERSION_PLAIN;
        if (pq ? h.encoding != PQ4 : plain ? h.encoding != FLOAT32 : h.encoding != FLOAT32 && h.encoding != INT8) {
            throw new QuarryDataException(file, "list encoding", h.encoding, pq ? "2 (pq4) in a version " + VERSION_PQ
                    + " index" : plain ? "0 (float32) in a version " + VERSION_PLAIN + " index"
                    : "0 (float32) or 1 (int8) in a version " + VERSION + " index");
        }
        if (pq && (h.dim < 1 || h.subspaces < 1 || h.subspaces > h.dim || h.dim % h.subspaces != 0)) {
            throw new QuarryDataException(file, "subspaces", h.subspaces, "a divisor of dim=" + h.dim);
        }
        if (plain ? h.graphDegree != 0 : h.graphDegree > MAX_DEGREE) {
            throw new QuarryDataException(file, "graph degree", h.graphDegree, plain
                    ? "0 in a version " + VERSION_PLAIN + " index" : "0 to " + MAX_DEGREE);
        }
        if (h.dim < 1 || h.nlist < 1 || h.count < 0 || h.count > Integer.MAX_VALUE || h.vectorRows < h.count
                || h.vectorRows > h.count + (long) h.nlist * padding(h.encoding)) {
            throw new QuarryDataException(file, "header", "dim=" + h.dim + " nlist=" + h.nlist + " count=" + h.count
                    + " vector rows=" + h.vectorRows, "dim >= 1, nlist >= 1, 0 <= count < 2^31, count <= vector rows"
                    + " <= count + nlist x " + padding(h.encoding));
        }
        if (h.dim != h.storeDim) {
            throw new QuarryDataException(file, "dim", h.dim, h.storeDim + ", the dim of the store it was built from");
        }
        // Before fileSize(): claimed counts whose products wrap around 2^64 could add up to the real size.
        if ((long) h.nlist * h.dim > fileSize / 4 || h.vectorRows > fileSize / h.rowBytes()) {
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
