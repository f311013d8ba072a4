package dev.quarry.pipeline;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamWriteFeature;
import dev.quarry.QuarryDataException;
import dev.quarry.files.AtomicOutput;
import dev.quarry.files.ContentChecksum;
import dev.quarry.files.FileFormat;
import dev.quarry.files.UserFiles;
import dev.quarry.mining.MiningStats;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The state a killed run needs to finish with byte-identical output: the fingerprint of its inputs
 * and options, the next block to write, the length of every output's temp file after the last block
 * written, and the statistics so far. Written (atomically) only after the outputs are forced to disk,
 * so it never claims bytes the disk does not have.
 *
 * <p>The file is a {@link FileFormat} file: a 16-byte header (magic {@code QCKP}, version 1, its CRC), the
 * state as a JSON object (whose own {@code "version"} is the state's, 2), and the footer with the JSON's
 * checksum, so a checkpoint damaged on disk is refused, never resumed from. A bare JSON checkpoint (what
 * Quarry wrote before the header, the same state) is still read.
 *
 * @param fingerprint the run's fingerprint lines
 * @param nextBlock the first block not yet written
 * @param lengths byte length of each output temp file
 * @param temps the name of each output's temp file (in the output's directory), empty once published
 * @param stats statistics of the anchors written so far
 */
public record Checkpoint(List<String> fingerprint, int nextBlock, long[] lengths, List<String> temps,
                         MiningStats stats) {
    // The generator must not close the channel: AtomicOutput still has to force and rename it.
    private static final JsonFactory JSON = JsonFactory.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build();
    private static final int VERSION = 2;
    private static final int HEADER = 16;
    /** The framing: header, the state's JSON as the body, footer. */
    static final FileFormat FORMAT = new FileFormat("QCKP", "a checkpoint", 1, 1, 8, HEADER);
    private static final String START_OVER = "run the same command without --resume to start over";

    /** The checkpoint file of a run whose first output is {@code output}. */
    public static Path pathFor(Path output) {
        return output.resolveSibling(output.getFileName() + ".checkpoint");
    }

    /** Writes the checkpoint atomically. */
    public void write(Path path) {
        try (AtomicOutput out = AtomicOutput.create(path)) {
            FileChannel ch = out.channel();
            ch.write(FORMAT.sealHeader(FORMAT.startHeader()));
            ContentChecksum body = new ContentChecksum();
            OutputStream stream = new ChecksummedStream(Channels.newOutputStream(ch), body);
            try (JsonGenerator g = JSON.createGenerator(stream, JsonEncoding.UTF8)) {
                g.useDefaultPrettyPrinter();
                g.writeStartObject();
                g.writeNumberField("version", VERSION);
                g.writeArrayFieldStart("fingerprint");
                for (String line : fingerprint) {
                    g.writeString(line);
                }
                g.writeEndArray();
                g.writeNumberField("next_block", nextBlock);
                g.writeArrayFieldStart("lengths");
                for (long length : lengths) {
                    g.writeNumber(length);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("temps");
                for (String temp : temps) {
                    g.writeString(temp);
                }
                g.writeEndArray();
                g.writeFieldName("stats");
                stats.writeState(g);
                g.writeEndObject();
            }
            ByteBuffer footer = FileFormat.footer(body.value());
            while (footer.hasRemaining()) {
                ch.write(footer);
            }
            out.commit();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + path, e);
        }
    }

    /** Reads a checkpoint; {@code wanted} is the negatives per anchor of the run (for the statistics). */
    public static Checkpoint read(Path path, int wanted) {
        if (!Files.isRegularFile(path)) {
            throw new QuarryDataException(path, "checkpoint", "missing",
                    "the checkpoint of an interrupted run to resume (run without --resume to start over)");
        }
        UserFiles.requireInput(path);
        try (JsonParser p = JSON.createParser(state(path))) {
            List<String> fingerprint = new ArrayList<>();
            int nextBlock = -1;
            List<Long> lengths = new ArrayList<>();
            List<String> temps = new ArrayList<>();
            MiningStats stats = null;
            int version = -1;
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new QuarryDataException(path, "checkpoint", "not a JSON object", "a Quarry checkpoint");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "version" -> version = p.getIntValue();
                    case "fingerprint" -> {
                        expectArray(path, p, field);
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            fingerprint.add(p.getText());
                        }
                    }
                    case "next_block" -> nextBlock = p.getIntValue();
                    case "lengths" -> {
                        expectArray(path, p, field);
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            lengths.add(p.getLongValue());
                        }
                    }
                    case "temps" -> {
                        expectArray(path, p, field);
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            temps.add(p.getText());
                        }
                    }
                    case "stats" -> stats = MiningStats.readState(p, wanted);
                    default -> p.skipChildren();
                }
            }
            if (version != VERSION || nextBlock < 0 || stats == null || temps.size() != lengths.size()) {
                throw new QuarryDataException(path, "checkpoint", "incomplete or version " + version,
                        "a version " + VERSION + " checkpoint");
            }
            if (lengths.stream().anyMatch(length -> length < 0)) {
                throw new QuarryDataException(path, "lengths", lengths, "byte lengths >= 0");
            }
            for (String temp : temps) {
                if (temp == null || temp.contains("/") || temp.contains("\\") || temp.equals("..")) {
                    throw new QuarryDataException(path, "temps", temp, "file names in the output's directory");
                }
            }
            return new Checkpoint(fingerprint, nextBlock, lengths.stream().mapToLong(Long::longValue).toArray(), temps,
                    stats);
        } catch (IOException e) {
            throw QuarryDataException.unreadable(path, "checkpoint", e, "a Quarry checkpoint");
        }
    }

    /**
     * The state's JSON: the body of a framed checkpoint, its header, footer and checksum checked, or the
     * whole of a bare JSON one.
     */
    private static byte[] state(Path path) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            throw QuarryDataException.unreadable(path, "checkpoint", e, "a Quarry checkpoint");
        }
        int first = 0;
        while (first < bytes.length && Character.isWhitespace(bytes[first])) {
            first++;
        }
        if (first < bytes.length && bytes[first] == '{') {
            return bytes; // bare JSON, as written before the framing
        }
        ByteBuffer all = ByteBuffer.wrap(bytes);
        FORMAT.readHeader(path, all, START_OVER);
        if (bytes.length < HEADER + FileFormat.FOOTER_BYTES) {
            throw new QuarryDataException(path, "size", bytes.length + " bytes", "a " + HEADER + "-byte header, the"
                    + " state and a " + FileFormat.FOOTER_BYTES + "-byte footer (truncated?)");
        }
        int bodyEnd = bytes.length - FileFormat.FOOTER_BYTES;
        long recorded = FORMAT.readFooter(path, all.slice(bodyEnd, FileFormat.FOOTER_BYTES));
        FileFormat.checkBody(path, recorded, new ContentChecksum().update(all.slice(HEADER, bodyEnd - HEADER)).value(),
                "bytes " + HEADER + ".." + (bodyEnd - 1), START_OVER);
        return Arrays.copyOfRange(bytes, HEADER, bodyEnd);
    }

    /** An output stream that adds what passes through it to a checksum. */
    private static final class ChecksummedStream extends FilterOutputStream {
        private final ContentChecksum checksum;

        ChecksummedStream(OutputStream out, ContentChecksum checksum) {
            super(out);
            this.checksum = checksum;
        }

        @Override
        public void write(int b) throws IOException {
            checksum.update(ByteBuffer.wrap(new byte[] {(byte) b}));
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            checksum.update(ByteBuffer.wrap(b, off, len));
            out.write(b, off, len);
        }
    }

    private static void expectArray(Path path, JsonParser p, String field) {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new QuarryDataException(path, field, p.currentToken(), "an array");
        }
    }
}
