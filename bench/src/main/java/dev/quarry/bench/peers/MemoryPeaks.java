package dev.quarry.bench.peers;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's memory high-water marks. Each {@link PeerRunner} process runs one contender, so
 * process-level peaks are that contender's: loading its data included (peers hold the corpus on the
 * heap, Quarry maps it, which shows in RSS instead).
 */
public final class MemoryPeaks {
    private MemoryPeaks() {
    }

    /** Sum of the heap pools' peak usage (each pool peaks at its own moment, so this is an upper bound). */
    public static long peakHeapBytes() {
        long bytes = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                bytes += pool.getPeakUsage().getUsed();
            }
        }
        return bytes;
    }

    /** Peak resident set (VmHWM, mapped file pages included), or -1 where /proc is not available. */
    public static long peakRssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
