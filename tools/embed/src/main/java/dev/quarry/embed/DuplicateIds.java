package dev.quarry.embed;

import dev.quarry.QuarryDataException;
import dev.quarry.io.InvalidUtf8;
import dev.quarry.io.JsonlTexts;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Finds ids that two lines of a JSONL file share, with 8 bytes per line whatever the ids' length: a 64-bit
 * hash of each id as the lines stream past, sorted once at the end. Only when two hashes are equal is the
 * file read again, to compare those ids themselves and name both lines; a collision of different ids costs
 * that second read and nothing else. Not thread-safe.
 */
final class DuplicateIds {
    private long[] hashes = new long[1024];
    private int count;

    /** Records the id of the next line. */
    void add(String id) {
        if (count == hashes.length) {
            hashes = Arrays.copyOf(hashes, hashes.length * 2);
        }
        hashes[count++] = hash(id);
    }

    /**
     * Refuses {@code file} when two of its lines have the same id, naming the id and both lines; the lines
     * are read again as they were the first time ({@code field}, {@code invalid}).
     */
    void refuseShared(Path file, String field, InvalidUtf8 invalid) {
        Arrays.sort(hashes, 0, count);
        Set<Long> shared = new HashSet<>();
        for (int i = 1; i < count; i++) {
            if (hashes[i] == hashes[i - 1]) {
                shared.add(hashes[i]);
            }
        }
        if (shared.isEmpty()) {
            return;
        }
        Map<String, Long> firstLine = new HashMap<>();
        JsonlTexts.forEachId(file, field, invalid, (lineNo, id) -> {
            if (shared.contains(hash(id))) {
                Long first = firstLine.putIfAbsent(id, lineNo);
                if (first != null) {
                    throw new QuarryDataException(file, "line " + lineNo + " id", id, "an id no other line has (line "
                            + first + " has it too): each line becomes a row named by its id");
                }
            }
        });
    }

    /** FNV-1a over the id's chars, then a 64-bit finalizer so that near ids spread over all the bits. */
    private static long hash(String id) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < id.length(); i++) {
            h ^= id.charAt(i);
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        return h ^ h >>> 33;
    }
}
