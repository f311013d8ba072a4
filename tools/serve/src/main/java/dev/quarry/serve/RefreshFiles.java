package dev.quarry.serve;

import dev.quarry.files.UserFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Where a refresh may read a corpus from: files under one directory (by default the served corpus's),
 * symbolic links resolved first. A client names the file; without this, anyone who may call refresh
 * could make the server open any file it can read, and learn from the error whether it exists.
 */
final class RefreshFiles {
    private final Path root;

    RefreshFiles(Path root) {
        try {
            this.root = root.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The directory refreshes read from. */
    Path root() {
        return root;
    }

    /** {@code name} (absolute, or relative to the directory) as a readable regular file under it. */
    Path resolve(String name) {
        return resolve("corpus", name);
    }

    /** {@code name}, the value of the request's {@code field}, as a readable regular file under the directory. */
    Path resolve(String field, String name) {
        if (name.isBlank() || name.indexOf('\0') >= 0) {
            throw new BadRequest(field, name, (field.endsWith("qrels") ? "the path of a qrels file"
                    : "the path of a .qvec, .npy or .fvecs file") + " under " + root);
        }
        Path given = root.resolve(name).normalize();
        Path real;
        try {
            real = given.toRealPath();
        } catch (IOException e) {
            throw new BadRequest(field, name, "an existing file under " + root + " (--refresh-dir)");
        }
        if (!real.startsWith(root)) {
            throw new BadRequest(field, name, "a file under " + root + " (--refresh-dir)");
        }
        UserFiles.requireInput(real);
        return real;
    }
}
