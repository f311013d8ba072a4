package dev.quarry.negatives;

import dev.quarry.QuarryDataException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The start of a store file, read before Chronicle Map sees it. Chronicle waits a full minute for a
 * header it does not recognise to become ready (it takes it for a map being created by another
 * process), so anything that is not a store is refused here, at once, naming the file.
 *
 * <p>A Chronicle Map file starts with a checksum (8 bytes), a size word (4 bytes, little-endian: bit
 * 31 set while the map is being created or recovered, bit 30 for metadata, the rest the header's
 * length), then the header: the map's configuration as Chronicle's text wire,
 * {@code !net.openhft.chronicle.map.VanillaChronicleMap { ... }}. A store's header names its value
 * marshaller {@code !QuarryNegatives { formatVersion: 1 }} ({@link NegativesCodec}). The checksum is
 * left to Chronicle, which checks it at once.
 */
final class StoreHeader {
    private static final int SIZE_WORD_OFFSET = 8;
    private static final int HEADER_OFFSET = 12;
    private static final int MAX_HEADER_BYTES = 64 * 1024;
    private static final String MAP_TAG = "!net.openhft.chronicle.map.VanillaChronicleMap {";
    private static final Pattern VALUE_READER = Pattern.compile("valueReader: !(\\S+) \\{\\s*(?:formatVersion: (-?\\d+))?");
    private static final Pattern VALUE_CLASS = Pattern.compile("valueClass: !type (\\S+?),?\\n");

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
        Matcher reader = VALUE_READER.matcher(header);
        if (!reader.find() || !reader.group(1).equals(NegativesCodec.ALIAS)) {
            Matcher valueClass = VALUE_CLASS.matcher(header);
            String values = valueClass.find() ? valueClass.group(1) : "unknown";
            throw new QuarryDataException(file, "values", "a Chronicle Map of " + values,
                    "a negatives store (a Chronicle Map of " + NegativesCodec.VALUE_ALIAS + ", written by NegativesStore)");
        }
        if (!String.valueOf(NegativesCodec.FORMAT_VERSION).equals(reader.group(2))) {
            throw new QuarryDataException(file, "formatVersion", reader.group(2) == null ? "missing" : reader.group(2),
                    NegativesCodec.FORMAT_VERSION + " (a store written by another version of Quarry: open it with that"
                            + " version, or mine into a new store)");
        }
        return sizeWord < 0 ? State.NOT_READY : State.READY;
    }

    private static QuarryDataException notAStore(Path file, String found) {
        return new QuarryDataException(file, "file", found, "a negatives store (a Chronicle Map file written by"
                + " NegativesStore), an empty file or a new path");
    }
}
