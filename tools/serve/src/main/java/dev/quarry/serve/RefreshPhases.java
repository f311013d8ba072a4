package dev.quarry.serve;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.Locale;

/**
 * Where a refresh's wall time went, timed by the server itself: the copy into the work directory (before
 * the POST is answered), every row reread and checked, the rows assigned to the centroids (or a new index
 * trained), the lists written, the new version opened, preloaded and warmed, and the swap. Also whether a
 * held-out evaluation was running or waiting when the refresh started, so a slow refresh can be told apart
 * from one that shared the cores with the monitor. Logged on stderr after each refresh and shown as
 * {@code last_refresh} in {@code /v1/status}.
 *
 * @param version the version the refresh made
 * @param copy seconds copying the file in (and its ids)
 * @param check seconds rereading every row (checksum and finiteness)
 * @param assign seconds assigning the rows to lists (IVF; 0 for a flat index)
 * @param write seconds writing the index file (IVF; 0 for a flat index)
 * @param open seconds opening, preloading and warming the new version
 * @param swap seconds swapping it in
 * @param total seconds from the copy's start until the new version serves
 * @param monitorBusy whether a held-out evaluation ran or waited when the refresh's work started
 */
record RefreshPhases(long version, double copy, double check, double assign, double write, double open, double swap,
                     double total, boolean monitorBusy) {

    /** The log line. */
    String describe() {
        return String.format(Locale.ROOT, "quarry serve: version %d refresh phases: copy %.2f s, check %.2f s, assign"
                        + " %.2f s, write %.2f s, open %.2f s, swap %.3f s, total %.2f s%s", version, copy, check,
                assign, write, open, swap, total, monitorBusy ? " (a held-out evaluation ran or waited at its start)"
                        : "");
    }

    /** {@code "last_refresh": {...}} in the status. */
    void write(JsonGenerator g) throws IOException {
        g.writeObjectFieldStart("last_refresh");
        g.writeNumberField("version", version);
        g.writeNumberField("copy_seconds", copy);
        g.writeNumberField("check_seconds", check);
        g.writeNumberField("assign_seconds", assign);
        g.writeNumberField("write_seconds", write);
        g.writeNumberField("open_seconds", open);
        g.writeNumberField("swap_seconds", swap);
        g.writeNumberField("total_seconds", total);
        g.writeBooleanField("monitor_busy", monitorBusy);
        g.writeEndObject();
    }
}
