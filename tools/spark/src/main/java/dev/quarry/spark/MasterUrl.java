package dev.quarry.spark;

import dev.quarry.QuarryDataException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Spark master URL as {@code spark-mine --master} takes it: its syntax checked before Spark sees it (a usage
 * error, exit 2), and a standalone master's address tried before a session is built on it (Spark itself retries an
 * unreachable master for about a minute and then fails with "Cannot call methods on a stopped SparkContext").
 */
final class MasterUrl {
    /** How long one address of a standalone master is tried. */
    static final int CONNECT_TIMEOUT_MS = 10_000;

    private static final Pattern LOCAL = Pattern.compile("local(\\[(\\*|[1-9][0-9]*)(,[1-9][0-9]*)?])?"
            + "|local-cluster\\[[1-9][0-9]*,[1-9][0-9]*,[1-9][0-9]*]");
    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9a-fA-F:.]+]|[A-Za-z0-9._-]+):([0-9]{1,5})");
    static final String EXPECTED = "local, local[N], local[*], local[N,RETRIES], spark://HOST:PORT[,HOST:PORT...],"
            + " yarn or k8s://URL";

    private MasterUrl() {
    }

    /** Whether {@code url} runs every task inside this JVM ({@code local...}). */
    static boolean isLocal(String url) {
        return url.startsWith("local");
    }

    /** What is wrong with {@code url}'s syntax, or null when Spark can take it. */
    static String problem(String url) {
        if (LOCAL.matcher(url).matches() || url.equals("yarn")) {
            return null;
        }
        if (url.startsWith("k8s://")) {
            return url.length() > "k8s://".length() ? null : "a k8s:// URL names the API server";
        }
        if (url.startsWith("spark://")) {
            try {
                addresses(url);
                return null;
            } catch (IllegalArgumentException e) {
                return e.getMessage();
            }
        }
        return "an unknown kind of master";
    }

    /** The host:port addresses of a {@code spark://} URL (several for a master with standbys). */
    static List<InetSocketAddress> addresses(String url) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String part : url.substring("spark://".length()).split(",", -1)) {
            Matcher m = HOST_PORT.matcher(part);
            int port = m.matches() ? Integer.parseInt(m.group(2)) : -1;
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("'" + part + "' is not HOST:PORT with a port in 1-65535");
            }
            String host = m.group(1).startsWith("[") ? m.group(1).substring(1, m.group(1).length() - 1) : m.group(1);
            out.add(InetSocketAddress.createUnresolved(host, port));
        }
        return out;
    }

    /**
     * Refuses a {@code spark://} master none of whose addresses accepts a connection within
     * {@value #CONNECT_TIMEOUT_MS} ms, naming the URL and what each address answered (exit 3).
     */
    static void requireReachable(String url) {
        if (!url.startsWith("spark://")) {
            return;
        }
        List<String> answers = new ArrayList<>();
        for (InetSocketAddress unresolved : addresses(url)) {
            InetSocketAddress address = new InetSocketAddress(unresolved.getHostString(), unresolved.getPort());
            if (address.isUnresolved()) {
                answers.add(unresolved.getHostString() + ": unknown host");
                continue;
            }
            try (Socket socket = new Socket()) {
                socket.connect(address, CONNECT_TIMEOUT_MS);
                return;
            } catch (IOException e) {
                answers.add(unresolved.getHostString() + ":" + unresolved.getPort() + ": " + e.getMessage());
            }
        }
        throw new QuarryDataException("--master", "master", url, "a running Spark master (" + String.join("; ", answers)
                + "): start one (scripts/spark-cluster.sh start runs one on this machine) or check the URL", null);
    }
}
