package dev.quarry.pipeline;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamWriteFeature;
import dev.quarry.QuarryDataException;
import dev.quarry.files.AtomicOutput;
import dev.quarry.files.UserFiles;
import dev.quarry.mining.MiningStats;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The state a killed run needs to finish with byte-identical output: the fingerprint of its inputs
 * and options, the next block to write, the length of every output's temp file after the last block
 * written, and the statistics so far. Written (atomically) only after the outputs are forced to disk,
 * so it never claims bytes the disk does not have.
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

    /** The checkpoint file of a run whose first output is {@code output}. */
    public static Path pathFor(Path output) {
        return output.resolveSibling(output.getFileName() + ".checkpoint");
    }

    /** Writes the checkpoint atomically. */
    public void write(Path path) {
        try (AtomicOutput out = AtomicOutput.create(path)) {
            OutputStream stream = Channels.newOutputStream(out.channel());
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
        try (JsonParser p = JSON.createParser(path.toFile())) {
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

    private static void expectArray(Path path, JsonParser p, String field) {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new QuarryDataException(path, field, p.currentToken(), "an array");
        }
    }
}
