package dev.quarry.pipeline;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import dev.quarry.files.AtomicOutput;
import dev.quarry.labels.QrelsReport;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.file.Path;

/** The last stage of a mining run: the summary JSON written beside the output ({@code OUTPUT.summary.json}). */
public final class MiningSummary {
    // The generator must not close the channel: AtomicOutput still has to force and rename it.
    private static final JsonFactory JSON = JsonFactory.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build();

    private MiningSummary() {
    }

    /** Writes {@code report}'s summary to {@link MiningReport#summary()}, atomically. */
    public static void write(MiningReport report, MiningRequest request, String settings) {
        Path file = report.summary();
        try (AtomicOutput out = AtomicOutput.create(file)) {
            OutputStream stream = Channels.newOutputStream(out.channel());
            try (JsonGenerator g = JSON.createGenerator(stream, JsonEncoding.UTF8)) {
                g.useDefaultPrettyPrinter();
                g.writeStartObject();
                g.writeArrayFieldStart("outputs");
                for (Path p : report.files()) {
                    g.writeString(p.toString());
                }
                g.writeEndArray();
                g.writeStringField("format", request.outputOptions().format().cliName());
                g.writeStringField("settings", settings);
                g.writeStringField("strategy", request.strategy().kind().cliName());
                g.writeStringField("source", report.index());
                g.writeArrayFieldStart("notes");
                for (String note : report.notes()) {
                    g.writeString(note);
                }
                g.writeEndArray();
                report.stats().writeSummaryFields(g);
                g.writeObjectFieldStart("anchors_input");
                g.writeNumberField("listed", report.anchorsListed());
                g.writeNumberField("unknown_ids", report.anchorsUnknown());
                g.writeNumberField("without_positive", report.anchorsWithoutPositive());
                g.writeEndObject();
                writeQrels(g, "qrels", report.qrels());
                if (report.knownPositives() != null) {
                    writeQrels(g, "known_positives", report.knownPositives());
                }
                g.writeObjectFieldStart("run");
                g.writeNumberField("threads", report.threads());
                g.writeNumberField("seconds", report.seconds());
                g.writeNumberField("anchors_this_run", report.anchorsThisRun());
                g.writeNumberField("anchors_per_second", report.anchorsPerSecond());
                if (report.resumedFromBlock() > 0) {
                    g.writeNumberField("resumed_from_block", report.resumedFromBlock());
                }
                g.writeEndObject();
                g.writeEndObject();
            }
            out.commit();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static void writeQrels(JsonGenerator g, String name, QrelsReport r) throws IOException {
        g.writeObjectFieldStart(name);
        g.writeStringField("file", r.file());
        g.writeNumberField("pairs_read", r.pairsRead());
        g.writeNumberField("positives", r.positives());
        g.writeNumberField("label_zero", r.nonPositive());
        g.writeNumberField("duplicates", r.duplicates());
        g.writeNumberField("unknown_anchor_ids", r.unknownAnchors());
        g.writeNumberField("unknown_doc_ids", r.unknownDocs());
        g.writeEndObject();
    }
}
