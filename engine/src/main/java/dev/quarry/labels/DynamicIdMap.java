package dev.quarry.labels;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Ids numbered in order of first appearance, for mining without any store or id file (a run file and
 * its qrels are all there is): {@link #ordinal} numbers an id it has not seen, so every id read is
 * known. On the heap: meant for the ids a run names, not for a whole catalog. Not thread-safe while
 * ids are added; read-only use afterwards is.
 */
public final class DynamicIdMap implements IdMap {
    private final Map<String, Integer> ordinals = new HashMap<>();
    private final List<String> ids = new ArrayList<>();

    /** The ordinal of {@code id}, numbering it when new. */
    public int add(String id) {
        return ordinals.computeIfAbsent(id, k -> {
            ids.add(k);
            return ids.size() - 1;
        });
    }

    @Override
    public long size() {
        return ids.size();
    }

    /** The ordinal of {@code id}, numbered now if it is new. */
    @Override
    public int ordinal(String id) {
        return add(id);
    }

    @Override
    public String id(int ordinal) {
        Objects.checkIndex(ordinal, ids.size());
        return ids.get(ordinal);
    }
}
