package dev.quarry.serve;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A client that writes HTTP/1.1 by hand, as a hostile or broken one would, and reads what comes back. */
final class RawHttp implements AutoCloseable {
    private static final Pattern STATUS = Pattern.compile("HTTP/1\\.1 (\\d{3}) ");
    private final Socket socket;

    RawHttp(int port) {
        try {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(60_000);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    RawHttp write(String text) {
        return write(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    RawHttp write(byte[] bytes) {
        try {
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Everything the server sends until it closes the connection (or {@code seconds} pass), as text. */
    String readUntilClosed(int seconds) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            socket.setSoTimeout(seconds * 1000);
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            out.write('\u0000'); // still open: marked so a test can tell
        } catch (IOException e) {
            // reset by the server: what was read stays
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    /** The next byte the server sends within {@code seconds} (-1: it closed the connection; a reset throws). */
    int readByte(int seconds) {
        try {
            socket.setSoTimeout(seconds * 1000);
            return socket.getInputStream().read();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One response's head and body read by its Content-Length (the connection left open). */
    String readResponse() {
        try {
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("closed after " + head);
                }
                head.write(b);
            }
            String text = head.toString(StandardCharsets.ISO_8859_1);
            Matcher m = Pattern.compile("(?i)content-length: *(\\d+)").matcher(text);
            int length = m.find() ? Integer.parseInt(m.group(1)) : 0;
            return text + new String(in.readNBytes(length), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The status codes of the responses in {@code text}, in order. */
    static List<Integer> statuses(String text) {
        List<Integer> out = new ArrayList<>();
        Matcher m = STATUS.matcher(text);
        while (m.find()) {
            out.add(Integer.parseInt(m.group(1)));
        }
        return out;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing only
        }
    }
}
