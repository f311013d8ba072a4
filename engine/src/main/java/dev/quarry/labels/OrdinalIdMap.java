package dev.quarry.labels;

import java.util.Objects;

/** Ids that are decimal ordinals ({@code "0"} .. {@code "count-1"}), in canonical form only. */
final class OrdinalIdMap implements IdMap {
    private final long count;

    OrdinalIdMap(long count) {
        this.count = count;
    }

    @Override
    public long size() {
        return count;
    }

    @Override
    public int ordinal(String id) {
        int n = id.length();
        if (n == 0 || n > 10 || (n > 1 && id.charAt(0) == '0')) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < n; i++) {
            char c = id.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value < count && value <= Integer.MAX_VALUE ? (int) value : -1;
    }

    @Override
    public String id(int ordinal) {
        Objects.checkIndex(ordinal, count);
        return Integer.toString(ordinal);
    }
}
