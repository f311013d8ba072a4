package dev.quarry.serve;

import dev.quarry.Progress;
import dev.quarry.QuarryDataException;
import dev.quarry.cli.ExitCodes;
import dev.quarry.cli.SchemaOptions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.ivf.IvfBuilder;
import dev.quarry.index.ivf.KMeansParams;
import dev.quarry.io.OptionsFile;
import dev.quarry.mining.MinerPreset;
import dev.quarry.options.CommandFlags;
import dev.quarry.options.Door;
import dev.quarry.options.MineOptions;
import dev.quarry.options.OptionError;
import dev.quarry.options.MineSettings;
import dev.quarry.store.VectorStore;
import dev.quarry.synth.CatalogSpec;
import dev.quarry.synth.SyntheticCatalog;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * {@code quarry serve}: negatives for trainers over HTTP, from a corpus and its index, refreshed
 * while it serves. Runs until SIGTERM or Ctrl-C, then drains the calls in flight and exits 0.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Serve negatives over HTTP (POST /v1/mine, GET /v1/negatives, POST /v1/refresh, GET /v1/status,"
                + " GET /v1/health, GET /metrics) from a corpus and its index; SIGTERM drains and exits 0.",
        footer = {"", "Examples:", "  quarry serve --demo /tmp/quarry-serve-demo",
                "  quarry serve --corpus corpus.qvec --index corpus.qivf --negatives-store negatives.cmap",
                "  quarry serve --corpus corpus.qvec --index corpus.qivf --bind 0.0.0.0:7700 --token-file token.txt"})
public final class ServeCommand implements Callable<Integer>, SchemaOptions.Mines {
    private static final int DEFAULT_PORT = 7700;
    /**
     * The root of java.util.logging, where the web server and Chronicle Map log: warnings only (their
     * start-up chatter would bury Quarry's own lines). Held here: the logging framework keeps loggers
     * weakly.
     */
    private static final java.util.logging.Logger LIBRARY_LOG = java.util.logging.Logger.getLogger("");

    static {
        LIBRARY_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = CommandFlags.CORPUS, description = "Corpus embeddings (.qvec, .npy <f4, .fvecs).")
    Path corpus;

    @Option(names = "--index", defaultValue = "flat",
            description = "flat (exact search) or an IVF index file built by `quarry index build` (default: ${DEFAULT-VALUE}).")
    String index;

    @Option(names = "--corpus-ids", description = "Ids of the corpus rows, one per line (default: CORPUS.ids, else row"
            + " numbers).")
    Path corpusIds;

    @Option(names = "--demo", paramLabel = "DIR", description = "Serve the demo catalog in DIR (written there first,"
            + " with its IVF index, when DIR does not hold it yet); instead of --corpus and --index.")
    Path demo;

    @Option(names = "--bind", defaultValue = "127.0.0.1:" + DEFAULT_PORT, description = "HOST:PORT to listen on; any"
            + " address but loopback needs --token-file; port 0 picks a free one (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--token-file", description = "A file whose first line is the bearer token every client must send"
            + " (Authorization: Bearer TOKEN), at least 16 characters.")
    Path tokenFile;

    @Option(names = "--negatives-store", description = "Keep every anchor mined with an id in this store (a Chronicle"
            + " Map file other processes on the host can read), and serve GET /v1/negatives from it.")
    Path negativesStore;

    @Option(names = "--store-anchors", defaultValue = "1000000",
            description = "Anchors the negatives store is sized for, when it is created (default: ${DEFAULT-VALUE}).")
    long storeAnchors;

    /** The default nprobe of calls that give none (--nprobe), declared by the request schema. */
    private final SchemaOptions defaults = new SchemaOptions(MineSettings.NPROBE);

    @Override
    public SchemaOptions schemaOptions() {
        return defaults;
    }

    @Option(names = "--options-file", description = "Mining settings of calls that leave them out, read from this"
            + " file (JSON by the request schema's keys, as quarry tune writes its best configuration); a call's own"
            + " settings win.")
    Path optionsFile;

    @Option(names = CommandFlags.THREADS, description = "Threads one call's search may use (default: all cores).")
    Integer threads;

    @Option(names = "--preset", defaultValue = "default", description = "default, or latency: for a trainer waiting"
            + " on each call, the fewest IVF lists whose recall@100 reaches 0.95 against exact search on the corpus's"
            + " own rows (measured at start and after each refresh; an explicit --nprobe wins), index and corpus read"
            + " into memory (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--max-anchors", defaultValue = "4096", description = "Anchors per request (default: ${DEFAULT-VALUE}).")
    int maxAnchors;

    @Option(names = "--max-body-mb", defaultValue = "64", description = "Request body size in MiB (default: ${DEFAULT-VALUE}).")
    int maxBodyMb;

    @Option(names = "--max-bodies-mb", defaultValue = "256", description = "Request bodies the server holds at once,"
            + " in MiB, counted by their real size; a body past it is answered 503 with Retry-After (default:"
            + " ${DEFAULT-VALUE}).")
    int maxBodiesMb;

    @Option(names = "--body-timeout", defaultValue = "5", paramLabel = "SECONDS", description = "Seconds a request"
            + " body may take per MiB, the first MiB included; a client slower than that is cut off (default:"
            + " ${DEFAULT-VALUE}).")
    double bodyTimeout;

    @Option(names = "--max-running", description = "Mine calls that run at once (default: the number of cores).")
    Integer maxRunning;

    @Option(names = "--max-waiting", defaultValue = "64", description = "Mine calls that may wait for a running slot;"
            + " more are refused with 503 and Retry-After (default: ${DEFAULT-VALUE}).")
    int maxWaiting;

    @Option(names = "--max-connections", defaultValue = "4096", description = "Connections accepted at once; more"
            + " wait, unread, in the system's accept queue until one closes (each accepted connection holds about"
            + " 28 KB of heap) (default: ${DEFAULT-VALUE}).")
    int maxConnections;

    @Option(names = "--idle-timeout", defaultValue = "60", paramLabel = "SECONDS", description = "Seconds a"
            + " connection may sit idle between requests before the server closes it, freeing its place among"
            + " --max-connections (default: ${DEFAULT-VALUE}).")
    int idleTimeout;

    @Option(names = "--refresh-dir", description = "The directory POST /v1/refresh may read corpora from (default: the"
            + " corpus's directory).")
    Path refreshDir;

    @Option(names = "--work-dir", description = "A directory of the server's own: the corpus, its ids and index are"
            + " copied into it at start and at every refresh, so the files given may be rewritten or deleted once"
            + " accepted; emptied at start and stop (default: .quarry-serve beside the corpus).")
    Path workDir;

    @Option(names = CommandFlags.HELDOUT_QUERIES, paramLabel = "HQ", description = "Held-out queries' embeddings (.qvec, .npy,"
            + " .fvecs; ids in HQ.ids, else row numbers), with --heldout-qrels: exact recall@10/@100 and nDCG@10 over"
            + " the corpus are measured at start and after every refresh (on a thread of its own, once the new version"
            + " serves), per version (GET /v1/status, /metrics). A refresh may bring them re-embedded"
            + " (heldout_queries, heldout_qrels).")
    Path heldoutQueries;

    @Option(names = "--heldout-qrels", paramLabel = "H.tsv", description = "The held-out queries' qrels (TSV, TREC"
            + " or JSONL; doc ids of the corpus). No held-out query may be a training anchor.")
    Path heldoutQrels;

    @Option(names = "--recall-drop", defaultValue = "0.01", description = "Flag a version whose held-out recall@10"
            + " is more than this (absolute) below the best version's so far (default: ${DEFAULT-VALUE}).")
    double recallDrop;

    @Option(names = "--on-recall-drop", defaultValue = "warn", description = "warn (flag it in status, metrics and"
            + " the client), or tighten: also mine calls that leave options out with safer ones from then on"
            + " (relative_margin 0.1, near_duplicate 0.85, sampling_strategy random, on top of --options-file's)"
            + " (default: ${DEFAULT-VALUE}).")
    String onRecallDrop;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        Path corpusFile = corpus;
        String indexName = index;
        if (demo != null) {
            if (corpus != null || !index.equals("flat")) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--demo serves its own catalog: leave out"
                        + " --corpus and --index");
            }
            Path dir = DemoCatalog.ensure(demo, err);
            corpusFile = dir.resolve("corpus.qvec");
            indexName = dir.resolve("corpus.qivf").toString();
        } else if (corpus == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--corpus is required (or --demo DIR)");
        }
        Address address = Address.parse(bind, spec.commandLine());
        BearerToken token = tokenFile == null ? null : BearerToken.read(tokenFile);
        if (token == null && !address.loopback()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--bind=" + bind + ", expected a loopback"
                    + " address (127.0.0.1, ::1, localhost) unless --token-file is given: any other address lets the"
                    + " network in");
        }
        int cores = Runtime.getRuntime().availableProcessors();
        int searchThreads = threads == null ? cores : threads;
        if (searchThreads < 1 || searchThreads > 4 * cores) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--threads=" + searchThreads + ", expected 1.."
                    + 4 * cores);
        }
        Integer nprobe = defaults.options().get(MineSettings.NPROBE);
        MinerPreset minerPreset = switch (preset) {
            case "default" -> MinerPreset.DEFAULT;
            case "latency" -> MinerPreset.LATENCY;
            default -> throw new CommandLine.ParameterException(spec.commandLine(), "--preset=" + preset
                    + ", expected default or latency");
        };
        if (maxBodyMb < 1 || maxBodyMb > 2047) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-body-mb=" + maxBodyMb
                    + ", expected 1..2047");
        }
        if (maxBodiesMb < maxBodyMb || maxBodiesMb > 1 << 20) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-bodies-mb=" + maxBodiesMb
                    + ", expected --max-body-mb (" + maxBodyMb + ") .. " + (1 << 20));
        }
        if (!(bodyTimeout > 0) || bodyTimeout > 3600) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--body-timeout=" + bodyTimeout
                    + ", expected seconds per MiB in (0, 3600]");
        }
        if (maxConnections < 1 || maxConnections > 1 << 20) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-connections=" + maxConnections
                    + ", expected 1.." + (1 << 20));
        }
        if (idleTimeout < 1 || idleTimeout > 86_400) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--idle-timeout=" + idleTimeout
                    + ", expected seconds in 1..86400");
        }
        RequestLimits limits;
        try {
            limits = new RequestLimits(maxAnchors, (long) maxBodyMb << 20, maxRunning == null ? cores : maxRunning,
                    maxWaiting, (long) maxBodiesMb << 20, bodyTimeout, maxConnections, idleTimeout);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-anchors, --max-running and"
                    + " --max-waiting: expected >= 1, >= 1 and >= 0 (" + e.getMessage() + ")");
        }
        if ((heldoutQueries == null) != (heldoutQrels == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), (heldoutQueries == null
                    ? "--heldout-qrels needs --heldout-queries" : "--heldout-queries needs --heldout-qrels")
                    + " (the held-out queries' embeddings and their qrels go together)");
        }
        if (!(recallDrop >= 0 && recallDrop <= 1)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--recall-drop=" + recallDrop
                    + ", expected an absolute recall drop in [0, 1]");
        }
        RecallMonitor.OnDrop onDrop = switch (onRecallDrop) {
            case "warn" -> RecallMonitor.OnDrop.WARN;
            case "tighten" -> RecallMonitor.OnDrop.TIGHTEN;
            default -> throw new CommandLine.ParameterException(spec.commandLine(), "--on-recall-drop=" + onRecallDrop
                    + ", expected warn or tighten");
        };
        Path refreshFrom = refreshDir != null ? refreshDir : corpusFile.toAbsolutePath().getParent();
        if (!Files.isDirectory(refreshFrom)) {
            // Checked before the corpus is opened and warmed up: a typo costs no minute of start-up.
            throw new dev.quarry.QuarryDataException(refreshFrom, "--refresh-dir", Files.exists(refreshFrom)
                    ? "not a directory" : "missing", "an existing directory the refreshed corpora are read from");
        }
        MineOptions callDefaults = optionsFile == null ? MineOptions.defaults()
                : OptionsFile.read(optionsFile, Door.HTTP);
        if (optionsFile != null) {
            // a file whose rank window the corpus cannot fill would have every call refused: refused here instead
            try (VectorStore rows = VectorStore.open(corpusFile)) {
                MineSettings.checkCorpus(callDefaults, rows.count(), corpusFile.toString());
            } catch (OptionError e) {
                throw new QuarryDataException(optionsFile, "options." + e.field(), e.value(),
                        Door.HTTP.spell(e.expected()).replace("{", "").replace("}", ""));
            }
        }
        Path indexFile = indexName.equals("flat") ? null : Path.of(indexName);
        ServeSettings settings = new ServeSettings(corpusFile, indexFile, corpusIds, address.host(), address.port(),
                token, negativesStore, storeAnchors, new SearchParams(searchThreads, nprobe == null ? 0 : nprobe),
                limits, refreshFrom, cores, minerPreset, workDir != null ? workDir
                : corpusFile.toAbsolutePath().resolveSibling(WorkDirectory.MARKER),
                new HeldOutSettings(heldoutQueries, heldoutQrels, recallDrop, onDrop), callDefaults);
        long t0 = System.nanoTime();
        err.println("quarry serve: opening " + corpusFile + (indexFile == null ? " (exact search)" : " with " + indexFile)
                + " and warming up...");
        err.flush();
        CountDownLatch stop = new CountDownLatch(1);
        // Installed before the server starts, so a SIGTERM during start-up still drains and exits 0.
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        try (QuarryServer server = QuarryServer.start(settings, err)) {
            err.printf("quarry serve: listening on http://%s:%d/ (index version %d, ready in %s, of which the request"
                            + " path's warm-up %s; search: %s); SIGTERM or Ctrl-C stops it%n", address.urlHost(),
                    server.port(), server.indexVersion(), Progress.duration((System.nanoTime() - t0) / 1e9),
                    Progress.duration(server.warmUpSeconds()), server.describeSearch());
            err.flush();
            stop.await();
            err.println("quarry serve: stopping: draining the calls in flight");
            err.flush();
        }
        err.println("quarry serve: stopped");
        err.flush();
        return ExitCodes.OK;
    }

    /** A bind address: host and port, and whether it is loopback. */
    record Address(String host, int port, boolean loopback) {
        static Address parse(String text, CommandLine cmd) {
            int colon = text.lastIndexOf(':');
            if (colon <= 0) {
                throw new CommandLine.ParameterException(cmd, "--bind=" + text + ", expected HOST:PORT (e.g."
                        + " 127.0.0.1:7700)");
            }
            String host = text.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(text.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 0 || port > 65535) {
                throw new CommandLine.ParameterException(cmd, "--bind=" + text + ", expected a port 0..65535 after"
                        + " the colon");
            }
            boolean loopback;
            try {
                InetAddress[] all = InetAddress.getAllByName(host);
                loopback = Stream.of(all).allMatch(InetAddress::isLoopbackAddress);
            } catch (UnknownHostException e) {
                throw new CommandLine.ParameterException(cmd, "--bind=" + text + ", expected a host name or address"
                        + " of this machine (" + host + " is unknown)");
            }
            return new Address(host, port, loopback);
        }

        String urlHost() {
            return host.contains(":") ? "[" + host + "]" : host;
        }
    }

    /** The demo catalog a server can start on with nothing else: generated once into a directory. */
    static final class DemoCatalog {
        private DemoCatalog() {
        }

        /** {@code dir} holding the demo catalog and its IVF index, written there first if absent. */
        static Path ensure(Path dir, PrintWriter err) throws IOException {
            if (Files.isRegularFile(dir.resolve("corpus.qvec")) && Files.isRegularFile(dir.resolve("corpus.qivf"))) {
                return dir;
            }
            if (Files.exists(dir) && !isEmptyDirectory(dir)) {
                throw new dev.quarry.QuarryDataException(dir, "demo", "a directory with other files",
                        "a new or empty directory, or one a previous --demo wrote (corpus.qvec, corpus.qivf)");
            }
            Path parent = dir.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            // Written beside, then renamed into place: a killed first start leaves no half catalog behind.
            Path temp = Files.createTempDirectory(parent, "." + dir.getFileName() + ".quarry-");
            try {
                CatalogSpec spec = CatalogSpec.demo();
                err.printf("quarry serve: writing the demo catalog (%,d documents, %,d anchors, d=%d) to %s%n",
                        spec.docs(), spec.anchors(), spec.dim(), dir);
                err.flush();
                new SyntheticCatalog(spec).write(temp);
                VectorKernels kernels = VectorKernelsProvider.get();
                try (VectorStore store = VectorStore.open(temp.resolve("corpus.qvec"))) {
                    new IvfBuilder(kernels).build(store, new KMeansParams(IvfBuilder.defaultNlist(store.count()), 10,
                            64, 0, IvfBuilder.unitNorm(store, kernels), 42, Runtime.getRuntime().availableProcessors()),
                            temp.resolve("corpus.qivf"), null);
                }
                if (Files.exists(dir)) {
                    Files.delete(dir); // empty, checked above
                }
                Files.move(temp, dir, StandardCopyOption.ATOMIC_MOVE);
                return dir;
            } catch (DirectoryNotEmptyException e) {
                throw new dev.quarry.QuarryDataException(dir, "demo", "a directory that filled meanwhile",
                        "a new or empty directory");
            } finally {
                if (Files.exists(temp)) {
                    try (Stream<Path> walk = Files.walk(temp)) {
                        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                    }
                }
            }
        }

        private static boolean isEmptyDirectory(Path dir) throws IOException {
            if (!Files.isDirectory(dir)) {
                return false;
            }
            try (Stream<Path> entries = Files.list(dir)) {
                return entries.findAny().isEmpty();
            }
        }
    }
}
