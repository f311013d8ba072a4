package dev.quarry.embed;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Keeps the tokenizer binding (DJL) off the network. Without these properties DJL probes a metadata
 * address and reports usage when a tokenizer is created; with them it only extracts its native library
 * from its own jar into a cache directory. They must be set before the first DJL class loads, so
 * every path to a tokenizer goes through {@link #ensure()} first.
 */
final class DjlOffline {
    private static volatile boolean done;

    private DjlOffline() {
    }

    /** Sets the properties once; the native library's cache goes under the user's cache directory. */
    static void ensure() {
        if (done) {
            return;
        }
        synchronized (DjlOffline.class) {
            if (done) {
                return;
            }
            System.setProperty("ai.djl.offline", "true");
            System.setProperty("OPT_OUT_TRACKING", "true");
            if (System.getenv("DJL_CACHE_DIR") == null && System.getProperty("DJL_CACHE_DIR") == null) {
                System.setProperty("DJL_CACHE_DIR", cacheDir().toString());
            }
            done = true;
        }
    }

    /** {@code $XDG_CACHE_HOME/quarry/djl} or {@code ~/.cache/quarry/djl}; the temp directory if neither is writable. */
    private static Path cacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        Path dir = base.resolve("quarry").resolve("djl");
        try {
            Files.createDirectories(dir);
            if (Files.isWritable(dir)) {
                return dir;
            }
        } catch (Exception ignored) {
            // falls through to the temp directory
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "quarry-djl-" + System.getProperty("user.name"));
    }
}
