package dev.quarry.serve;

import dev.quarry.QuarryDataException;
import dev.quarry.files.UserFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.Set;

/**
 * The bearer token a client must send ({@code Authorization: Bearer TOKEN}), read from a file so it
 * never shows in a process list, and compared in constant time so the answer's timing does not leak
 * how much of a guess was right.
 */
final class BearerToken {
    private static final int MIN_LENGTH = 16;
    private final byte[] expected;

    private BearerToken(byte[] expected) {
        this.expected = expected;
    }

    /**
     * The token in {@code file}: its first line, at least 16 characters, in a file other users cannot
     * read or write. A token others can read is no secret on this host, and one they can write lets them
     * choose it; refused (not warned about, which a server's log would bury) as ssh refuses a private key
     * others can read: {@code chmod 600 FILE} is the fix.
     */
    static BearerToken read(Path file) {
        UserFiles.requireInput(file);
        requirePrivate(file);
        String token;
        try {
            token = Files.readString(file, StandardCharsets.UTF_8).lines().findFirst().orElse("").strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (token.length() < MIN_LENGTH) {
            throw new QuarryDataException(file, "token", token.length() + " characters", "a token of at least "
                    + MIN_LENGTH + " characters on the first line (e.g. from: openssl rand -hex 32)");
        }
        return new BearerToken(token.getBytes(StandardCharsets.UTF_8));
    }

    private static void requirePrivate(Path file) {
        Set<PosixFilePermission> permissions;
        try {
            permissions = Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException e) {
            return; // no POSIX permissions on this file system: nothing to check
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (permissions.contains(PosixFilePermission.OTHERS_READ) || permissions.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new QuarryDataException(file, "permissions", PosixFilePermissions.toString(permissions),
                    "a token file other users can neither read nor write (chmod 600 " + file + ")");
        }
    }

    /** The {@code Authorization} header value that carries the token (the server's own warm-up requests send it). */
    String authorization() {
        return "Bearer " + new String(expected, StandardCharsets.UTF_8);
    }

    /** Whether an {@code Authorization} header value carries the token. */
    boolean accepts(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] given = authorization.substring(7).strip().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, expected);
    }
}
