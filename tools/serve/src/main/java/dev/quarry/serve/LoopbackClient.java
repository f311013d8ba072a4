package dev.quarry.serve;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * HTTP/1.1 over one keep-alive loopback connection, sent as the Python client sends it (the request's head in
 * one write, its body in another, TCP_NODELAY), for the server's warm-up of its own request path
 * ({@link RequestWarmUp}). It reads answers sized by {@code Content-Length}, which every answer of this service
 * has ({@link Answer}); anything else is an {@link IOException}. Not thread-safe.
 */
final class LoopbackClient implements AutoCloseable {
    /** Longest a warm-up request may take before the warm-up gives up on it. */
    private static final int READ_TIMEOUT_MS = 30_000;

    private final int port;
    private final String authorization;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    /** An answer: its status and body. */
    record Reply(int status, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** @param authorization the {@code Authorization} header to send, or null */
    LoopbackClient(int port, String authorization) {
        this.port = port;
        this.authorization = authorization;
    }

    /** One request ({@code body} null for none), on the open connection or a new one. */
    Reply send(String method, String target, String contentType, byte[] body) throws IOException {
        if (socket == null) {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), READ_TIMEOUT_MS);
            socket.setSoTimeout(READ_TIMEOUT_MS);
            in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
            out = socket.getOutputStream();
        }
        StringBuilder head = new StringBuilder(256).append(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1:").append(port).append("\r\n")
                .append("User-Agent: quarry-serve-warm-up\r\nAccept: application/json, */*\r\n");
        if (authorization != null) {
            head.append("Authorization: ").append(authorization).append("\r\n");
        }
        if (body != null) {
            head.append("Content-Type: ").append(contentType).append("\r\nContent-Length: ").append(body.length)
                    .append("\r\n");
        }
        out.write(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
        if (body != null) {
            out.write(body);
        }
        out.flush();
        return read();
    }

    private Reply read() throws IOException {
        String status = line();
        if (!status.startsWith("HTTP/1.1 ") || status.length() < 12) {
            throw new IOException("warm-up: status line " + Printable.of(status) + ", expected HTTP/1.1 NNN");
        }
        int code = Integer.parseInt(status.substring(9, 12));
        long length = -1;
        boolean close = false;
        for (String header = line(); !header.isEmpty(); header = line()) {
            int colon = header.indexOf(':');
            String name = colon < 0 ? header : header.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String value = colon < 0 ? "" : header.substring(colon + 1).strip();
            if (name.equals("content-length")) {
                length = Long.parseLong(value);
            } else if (name.equals("connection")) {
                close = value.equalsIgnoreCase("close");
            } else if (name.equals("transfer-encoding")) {
                throw new IOException("warm-up: an answer with Transfer-Encoding " + value + ", expected Content-Length");
            }
        }
        if (length < 0 || length > Integer.MAX_VALUE) {
            throw new IOException("warm-up: Content-Length=" + length + ", expected an answer sized by it");
        }
        byte[] body = in.readNBytes((int) length);
        if (body.length != length) {
            throw new IOException("warm-up: the answer ended after " + body.length + " of " + length + " bytes");
        }
        if (close) {
            close();
        }
        return new Reply(code, body);
    }

    /** One header line, without its CRLF. */
    private String line() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new IOException("warm-up: the connection closed before the answer's head ended");
            }
            if (b != '\r') {
                bytes.write(b);
            }
        }
        return bytes.toString(StandardCharsets.ISO_8859_1);
    }

    /** Closes the connection; the next request opens another. */
    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing a loopback socket: nothing to recover
            }
            socket = null;
        }
    }
}
