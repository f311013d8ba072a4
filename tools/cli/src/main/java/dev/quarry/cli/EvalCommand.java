package dev.quarry.cli;

import dev.quarry.files.OutputClaim;
import dev.quarry.QuarryDataException;
import dev.quarry.eval.EvalReport;
import dev.quarry.eval.EvalResult;
import dev.quarry.eval.Evaluator;
import dev.quarry.index.SearchParams;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.labels.DynamicIdMap;
import dev.quarry.labels.IdMap;
import dev.quarry.labels.QrelsReader;
import dev.quarry.labels.QrelsReport;
import dev.quarry.labels.RunFile;
import dev.quarry.options.CommandFlags;
import dev.quarry.pipeline.StoreIds;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quarry eval}: recall, MRR and nDCG on held-out qrels, for a store and index or a run file. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Recall@K, MRR@K and nDCG@K on held-out qrels: of exact or IVF search over a store (an nprobe "
                + "sweep with IVF), or of a run file.",
        footer = {"", "Examples:",
                "  quarry eval --corpus corpus.qvec --queries queries.qvec --qrels heldout.tsv --k 10,100",
                "  quarry eval --corpus corpus.qvec --queries queries.qvec --qrels heldout.tsv --index corpus.qivf \\",
                "              --nprobe 1,4,16,64 --json eval.json",
                "  quarry eval --run run.trec --qrels heldout.tsv --k 10"})
final class EvalCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--qrels", required = true, description = "Held-out qrels (TSV, TREC or JSONL).")
    Path qrels;

    @Option(names = CommandFlags.CORPUS, description = "Corpus embeddings.")
    Path corpus;

    @Option(names = "--queries", description = "Query embeddings (default: rows of the corpus).")
    Path queries;

    @Option(names = "--index", defaultValue = "flat", description = "flat or an IVF index file (default: ${DEFAULT-VALUE}).")
    String index;

    @Option(names = "--nprobe", split = ",", description = "IVF: nprobe values to evaluate (default: the index's).")
    int[] nprobes;

    @Option(names = "--exact", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "With an IVF index: also evaluate exact search, the sweep's ceiling (default: on;"
                    + " --no-exact skips it on large corpora).")
    boolean exact;

    @Option(names = CommandFlags.RUN, description = "Evaluate this run file (TREC or JSONL) instead of a store.")
    Path run;

    @Option(names = "--k", split = ",", defaultValue = "10,100", description = "Cut-offs (default: ${DEFAULT-VALUE}).")
    int[] ks;

    @Option(names = CommandFlags.THREADS, description = "Threads (default: all cores).")
    Integer threads;

    @Option(names = "--json", description = "Also write the results as JSON (for quarry audit --eval).")
    Path json;

    private QrelsReport heldoutReport;
    private long unranked;

    @Override
    public Integer call() {
        if ((run == null) == (corpus == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give either --corpus (a store) or --run");
        }
        if (Arrays.stream(ks).anyMatch(k -> k < 1)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--k=" + Arrays.toString(ks)
                    + ", expected cut-offs >= 1");
        }
        try (OutputClaim claim = OutputClaim.builder().input("corpus", corpus).input("queries", queries)
                .input("qrels", qrels).input("run", run).input("index", index.equals("flat") ? null : Path.of(index))
                .output(json).claim()) {
            return evaluate();
        }
    }

    private int evaluate() {
        List<EvalResult> results = run != null ? List.of(evalRun()) : evalStore();
        PrintWriter out = spec.commandLine().getOut();
        EvalResult.printHeader(out);
        for (EvalResult r : results) {
            r.print(out);
        }
        out.printf(Locale.ROOT, "%,d queries with a relevant document in %s%s%n", results.getFirst().queries(), qrels,
                unknown(heldoutReport) + (unranked == 0 ? "" : String.format(Locale.ROOT, "; %,d of them not ranked by "
                        + "the run (they count as retrieving nothing)", unranked)));
        if (run == null) {
            out.println("queries/s: one pass, JIT warm-up included; bench/ivf.sh measures throughput");
        }
        if (json != null) {
            EvalReport.write(json, results);
            out.println("wrote " + json);
        }
        return ExitCodes.OK;
    }

    /** Held-out qrels naming no known query: fail with what they did name. */
    private void requireKnown(QrelsReader.Result heldout, String stores) {
        heldoutReport = heldout.report();
        if (heldout.qrels().anchors().length == 0) {
            throw new QuarryDataException(qrels, "queries with a relevant document", "0 of " + heldoutReport.pairsRead()
                    + " pairs" + unknown(heldoutReport), "query and doc ids of " + stores);
        }
    }

    private static String unknown(QrelsReport r) {
        String anchors = r.unknownAnchors() == 0 ? "" : String.format(Locale.ROOT, "; %,d pairs name an unknown query "
                + "(e.g. %s)", r.unknownAnchors(), r.firstUnknownAnchor());
        String docs = r.unknownDocs() == 0 ? "" : String.format(Locale.ROOT, "; %,d pairs name an unknown document "
                + "(e.g. %s)", r.unknownDocs(), r.firstUnknownDoc());
        return anchors + docs;
    }

    private EvalResult evalRun() {
        IdMap queryIds = new DynamicIdMap();
        IdMap docIds = new DynamicIdMap();
        RunFile file = RunFile.read(run, queryIds, docIds, false);
        QrelsReader.Result heldout = new QrelsReader(queryIds, docIds, false).read(qrels, null);
        requireKnown(heldout, "the run file " + run);
        long ranked = Arrays.stream(heldout.qrels().anchors()).filter(a -> file.indexOf(a) >= 0).count();
        if (ranked == 0) {
            throw new QuarryDataException(qrels, "queries", "none of " + heldout.qrels().anchorCount()
                    + " ranked by " + run, "held-out queries that the run file ranks");
        }
        unranked = heldout.qrels().anchorCount() - ranked;
        return Evaluator.evaluate("run " + run.getFileName(), file, heldout.qrels(), qrels, ks);
    }

    private List<EvalResult> evalStore() {
        VectorKernels kernels = VectorKernelsProvider.get();
        int t = ThreadCount.resolve(threads, spec.commandLine());
        List<EvalResult> results = new ArrayList<>();
        try (VectorStore c = VectorStore.open(corpus);
             VectorStore q = queries == null ? null : VectorStore.open(queries)) {
            VectorStore qs = q == null ? c : q;
            if (qs.dim() != c.dim()) {
                throw new QuarryDataException(queries, "dim", qs.dim(), c.dim() + " as in " + corpus);
            }
            try (StoreIds docIds = StoreIds.of(c, null, null);
                 StoreIds queryIds = q == null ? null : StoreIds.of(q, null, null)) {
                QrelsReader.Result heldout = new QrelsReader(queryIds == null ? docIds.ids() : queryIds.ids(),
                        docIds.ids(), false).read(qrels, null);
                requireKnown(heldout, (q == null ? "" : queries + " and ") + corpus);
                boolean flat = index.equals("flat");
                // The index is opened (and the sweep checked) before the exact pass, so a bad option fails at once.
                try (IvfIndex ivf = flat ? null : IvfIndex.open(Path.of(index), c, kernels)) {
                    int[] sweep = flat ? new int[0] : nprobes != null ? nprobes : new int[] {ivf.defaultNprobe()};
                    for (int nprobe : sweep) {
                        if (nprobe < 1 || nprobe > ivf.nlist()) {
                            throw new CommandLine.ParameterException(spec.commandLine(), "--nprobe=" + nprobe
                                    + ", expected 1 <= nprobe <= nlist=" + ivf.nlist());
                        }
                    }
                    if (flat || exact) {
                        results.add(Evaluator.evaluate("flat", new FlatIndex(c, kernels), qs, q == null,
                                heldout.qrels(), qrels, ks, SearchParams.defaults().withThreads(t)));
                    }
                    for (int nprobe : sweep) {
                        results.add(Evaluator.evaluate("ivf nprobe=" + nprobe, ivf, qs, q == null, heldout.qrels(),
                                qrels, ks, SearchParams.defaults().withThreads(t).withNprobe(nprobe)));
                    }
                }
            }
        }
        return results;
    }
}
