package dev.quarry.negatives;

import dev.quarry.QuarryDataException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.wire.YamlToken;
import net.openhft.chronicle.wire.YamlTokeniser;

/**
 * The start of a store file, read before Chronicle Map sees it. Chronicle waits a full minute for a
 * header it does not recognise to become ready (it takes it for a map being created by another
 * process), so anything that is not a store is refused here, at once, naming the file.
 *
 * <p>A Chronicle Map file starts with a checksum (8 bytes), a size word (4 bytes, little-endian: bit
 * 31 set while the map is being created or recovered, bit 30 for metadata, the rest the header's
 * length), then the header: the map's configuration as Chronicle's text wire,
 * {@code !net.openhft.chronicle.map.VanillaChronicleMap { ... }}. A store's header names its value
 * marshaller {@code !QuarryNegatives { formatVersion: 1 }} ({@link NegativesCodec}). The header is read
 * with Chronicle's own tokeniser of that text ({@link YamlTokeniser}), field by field ({@link MapHeader}). The
 * checksum is left to Chronicle, which checks it at once.
 */
final class StoreHeader {
    private static final int SIZE_WORD_OFFSET = 8;
    private static final int HEADER_OFFSET = 12;
    private static final int MAX_HEADER_BYTES = 64 * 1024;
    private static final String MAP_TAG = "!net.openhft.chronicle.map.VanillaChronicleMap {";

    /** What the file holds. */
    enum State {
        /** Absent or empty: a new store is created in it. */
        NEW,
        /** A store, ready to open. */
        READY,
        /** A store whose creation or recovery did not finish (its process died): only recovery opens it. */
        NOT_READY
    }

    private StoreHeader() {
    }

    /** Reads the start of {@code file}; throws {@link QuarryDataException} when it is not a store this code reads. */
    static State check(Path file, long length) {
        if (length == 0) {
            return State.NEW;
        }
        if (length < HEADER_OFFSET) {
            throw notAStore(file, length + " bytes");
        }
        ByteBuffer start = ByteBuffer.allocate((int) Math.min(length, HEADER_OFFSET + MAX_HEADER_BYTES))
                .order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            while (start.hasRemaining() && channel.read(start, start.position()) > 0) {
                // read until full
            }
        } catch (IOException e) {
            throw new QuarryDataException(file, "file", "unreadable (" + e.getMessage() + ")", "a readable store", e);
        }
        int sizeWord = start.getInt(SIZE_WORD_OFFSET);
        int headerBytes = sizeWord & 0x3FFFFFFF;
        boolean metadata = (sizeWord & 0x40000000) != 0;
        if (metadata || headerBytes < MAP_TAG.length() || headerBytes > MAX_HEADER_BYTES
                || HEADER_OFFSET + (long) headerBytes > length) {
            throw notAStore(file, "a file whose first bytes are not a Chronicle Map header");
        }
        String header = new String(start.array(), HEADER_OFFSET, headerBytes, StandardCharsets.ISO_8859_1);
        if (!header.startsWith(MAP_TAG)) {
            throw notAStore(file, "a file whose first bytes are not a Chronicle Map header");
        }
        MapHeader fields = MapHeader.read(header);
        if (fields == null) {
            throw notAStore(file, "a file whose first bytes are not a Chronicle Map header");
        }
        if (!NegativesCodec.ALIAS.equals(fields.valueReader)) {
            throw new QuarryDataException(file, "values", "a Chronicle Map of "
                    + (fields.valueClass == null ? "unknown" : fields.valueClass),
                    "a negatives store (a Chronicle Map of " + NegativesCodec.VALUE_ALIAS + ", written by NegativesStore)");
        }
        if (!String.valueOf(NegativesCodec.FORMAT_VERSION).equals(fields.formatVersion)) {
            throw new QuarryDataException(file, "formatVersion", fields.formatVersion == null ? "missing"
                    : fields.formatVersion, NegativesCodec.FORMAT_VERSION + " (a store written by another version of"
                            + " Quarry: open it with that version, or mine into a new store)");
        }
        return sizeWord < 0 ? State.NOT_READY : State.READY;
    }

    private static QuarryDataException notAStore(Path file, String found) {
        return new QuarryDataException(file, "file", found, "a negatives store (a Chronicle Map file written by"
                + " NegativesStore), an empty file or a new path");
    }

    /**
     * The fields of a map's header that say what it holds, read with Chronicle's tokeniser: the value class
     * ({@code valueClass: !type X}), the value reader's type ({@code valueReader: !X { ... }}) and that reader's
     * {@code formatVersion}. Fields of nested mappings other than the value reader's are skipped.
     */
    static final class MapHeader {
        /** Tokens read at most: a real header has a few hundred. */
        private static final int MAX_TOKENS = 100_000;

        String valueClass;
        String valueReader;
        String formatVersion;

        private MapHeader() {
        }

        /** The fields of {@code header}, or null when it is not a Chronicle Map's mapping. */
        static MapHeader read(String header) {
            try {
                return read(new YamlTokeniser(Bytes.from(header)));
            } catch (RuntimeException unreadable) { // the tokeniser's refusal of text that is not its wire
                return null;
            }
        }

        private static MapHeader read(YamlTokeniser in) {
            YamlToken t = in.next();
            if (t == YamlToken.DIRECTIVES_END) {
                t = in.next();
            }
            if (t != YamlToken.TAG || !in.isText(MAP_TAG.substring(1, MAP_TAG.length() - 2))
                    || in.next() != YamlToken.MAPPING_START) {
                return null;
            }
            MapHeader out = new MapHeader();
            int depth = 1; // inside the map's mapping
            String key = null; // the last key read at depth 1 or, inside the value reader, at depth 2
            boolean inReader = false;
            for (int n = 0; n < MAX_TOKENS && depth > 0; n++) {
                t = in.next();
                switch (t) {
                    case MAPPING_START, SEQUENCE_START -> depth++;
                    case MAPPING_END, SEQUENCE_END -> {
                        depth--;
                        inReader &= depth >= 2;
                    }
                    case MAPPING_KEY -> {
                        if (in.next() != YamlToken.TEXT) {
                            return null;
                        }
                        key = depth == 1 || (inReader && depth == 2) ? in.text() : null;
                    }
                    case TAG -> {
                        if (depth == 1 && "valueReader".equals(key)) {
                            out.valueReader = in.text();
                            inReader = true;
                        }
                    }
                    case TEXT -> {
                        if (depth == 1 && "valueClass".equals(key)) {
                            out.valueClass = in.text();
                        } else if (inReader && depth == 2 && "formatVersion".equals(key)) {
                            out.formatVersion = in.text();
                        }
                    }
                    case STREAM_END, DOCUMENT_END, NONE -> {
                        return null; // the mapping never closed
                    }
                    default -> {
                    }
                }
            }
            return depth == 0 ? out : null;
        }
    }
}
