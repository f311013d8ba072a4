package dev.quarry.serve;

import java.lang.foreign.MemorySegment;

/**
 * One decoded mine request: {@code count} anchors of {@code dim} floats (little-endian float32, anchor i
 * at byte {@code offset + i * dim * 4} of {@code anchors}), each anchor's positives as corpus ordinals,
 * optional anchor ids (for the negatives store), and the request's settings.
 *
 * @param anchors the anchors' bytes (the request body itself for a binary request: nothing is copied)
 * @param offset where the first anchor starts
 * @param count anchors
 * @param dim floats per anchor
 * @param positives positives of each anchor (corpus ordinals)
 * @param anchorIds ids of the anchors, or null
 * @param options the request's settings, read and checked
 */
record MineRequest(MemorySegment anchors, long offset, int count, int dim, int[][] positives, String[] anchorIds,
                   dev.quarry.options.MineOptions options) {
}
