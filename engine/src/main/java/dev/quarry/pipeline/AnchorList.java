package dev.quarry.pipeline;

import dev.quarry.QuarryDataException;
import dev.quarry.files.UserFiles;
import dev.quarry.labels.IdMap;
import dev.quarry.labels.Qrels;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;

/**
 * The anchors a run mines: every labelled anchor, or the ids listed in an anchors file (in that
 * order, each once), with what was skipped.
 *
 * @param ordinals the anchors' rows, in output order
 * @param listed ids listed (or labelled anchors when no file was given)
 * @param unknown listed ids that name no row
 * @param withoutPositive listed anchors without a labelled positive
 */
public record AnchorList(int[] ordinals, long listed, long unknown, long withoutPositive) {

    /** Every labelled anchor, in row order. */
    public static AnchorList labelled(Qrels qrels) {
        int[] all = qrels.anchors();
        return new AnchorList(all, all.length, 0, 0);
    }

    /**
     * The anchors listed in {@code file}, one id per line. Under {@code strict}, an unknown id or an
     * anchor without a positive (in {@code qrelsFile}) fails instead of being counted.
     */
    public static AnchorList read(Path file, IdMap ids, Qrels qrels, boolean strict, Path qrelsFile) {
        int[] ordinals = new int[1024];
        int n = 0;
        long listed = 0;
        long unknown = 0;
        long withoutPositive = 0;
        BitSet seen = new BitSet();
        UserFiles.requireInput(file);
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            long lineNo = 0;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lineNo++;
                String id = line.strip();
                if (id.isEmpty()) {
                    continue;
                }
                listed++;
                int ordinal = ids.ordinal(id);
                if (ordinal < 0) {
                    if (strict) {
                        throw new QuarryDataException(file, "line " + lineNo + " anchor id", id,
                                "an id of the anchor store; strict is on");
                    }
                    unknown++;
                    continue;
                }
                if (!qrels.has(ordinal)) {
                    if (strict) {
                        throw new QuarryDataException(file, "line " + lineNo + " anchor " + id + " positives", 0,
                                "at least one labelled positive in " + qrelsFile + "; strict is on");
                    }
                    withoutPositive++;
                    continue;
                }
                if (seen.get(ordinal)) {
                    continue; // listed twice: mined once
                }
                seen.set(ordinal);
                if (n == ordinals.length) {
                    ordinals = Arrays.copyOf(ordinals, n * 2);
                }
                ordinals[n++] = ordinal;
            }
        } catch (IOException e) {
            throw new QuarryDataException(file, "file", "unreadable (" + e.getMessage() + ")", "a readable anchor list",
                    e);
        }
        return new AnchorList(Arrays.copyOf(ordinals, n), listed, unknown, withoutPositive);
    }
}
