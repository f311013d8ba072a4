package dev.quarry.bench.peers;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The command line of {@link PeerRunner}, parsed. Options a contender does not use are ignored, so the
 * orchestrator can pass one set of options to every contender.
 *
 * @param contender which implementation to measure, one of {@link #CONTENDERS}
 * @param corpus corpus rows ({@code .qvec}, or any store Quarry opens in place)
 * @param queries query rows
 * @param queryLimit use only the first N queries (0: all)
 * @param k results per query
 * @param threads threads the contender may use
 * @param runs timed passes after the untimed warm-up passes
 * @param dataset data set name, copied into the JSON
 * @param label run label, copied into the JSON
 * @param idsOut prefix of the {@code .npy} files of the last run's ids (null: none written)
 * @param jsonOut file the JSON lines are appended to (null: standard output)
 * @param groundTruth exact ids, int32 {@code .npy} [queries, k'], for recall (null: no recall)
 * @param nlist inverted lists of the Quarry IVF index
 * @param nprobes lists probed, one configuration each
 * @param indexCache directory where built IVF indexes are kept between runs (null: build every time)
 * @param quarryMode thread layout of the Quarry contenders: {@code query-split}, {@code corpus-split} or
 *     {@code both} (one configuration each)
 * @param quarryBlock queries per Quarry search call (0: the mining pipeline's default for the index)
 * @param jvectorM JVector's maximum graph degree M
 * @param jvectorEfConstruction JVector's beam width while building
 * @param jvectorEfs JVector's search beam widths (rerankK), one configuration each
 */
public record PeerOptions(String contender, Path corpus, Path queries, int queryLimit, int k, int threads, int runs,
                          String dataset, String label, Path idsOut, Path jsonOut, Path groundTruth, int nlist,
                          int[] nprobes, Path indexCache, String quarryMode, int quarryBlock, int jvectorM,
                          int jvectorEfConstruction, int[] jvectorEfs) {

    /** Names accepted by {@code --contender}. */
    public static final List<String> CONTENDERS =
            List.of("quarry-flat", "quarry-ivf", "lucene", "jvector-brute", "jvector-graph", "naive");

    /**
     * The thread layout Quarry runs by default: slightly faster than corpus-split for the flat index on
     * 200k x 384 with 2,000 queries and 2 threads (figures in the class comment of {@link QuarryPass}).
     */
    public static final String DEFAULT_QUARRY_MODE = "query-split";

    static final String USAGE = """
            Usage: PeerRunner --contender quarry-flat|quarry-ivf|lucene|jvector-brute|jvector-graph|naive \\
                --corpus C.qvec --queries Q.qvec [--query-limit N] --k 100 --threads T --runs R \\
                --dataset NAME --label LABEL --ids-out PREFIX --json-out FILE [--ground-truth GT.npy] \\
                [--nlist 1024 --nprobe 1,2,4,8,16 --index-cache DIR] \\
                [--quarry-mode query-split|corpus-split|both --quarry-block N] \\
                [--jvector-m 16 --jvector-ef-construction 100 --jvector-ef 100,200,400]""";

    public PeerOptions {
        if (contender == null || !CONTENDERS.contains(contender)) {
            throw new IllegalArgumentException("--contender=" + contender + ", expected one of " + CONTENDERS);
        }
        if (corpus == null || queries == null) {
            throw new IllegalArgumentException("--corpus and --queries are required");
        }
        if (k < 1 || threads < 1 || runs < 1 || queryLimit < 0 || nlist < 1 || quarryBlock < 0 || jvectorM < 2
                || jvectorEfConstruction < 1) {
            throw new IllegalArgumentException("k=" + k + " threads=" + threads + " runs=" + runs + " query-limit="
                    + queryLimit + " nlist=" + nlist + " quarry-block=" + quarryBlock + " jvector-m=" + jvectorM
                    + " jvector-ef-construction=" + jvectorEfConstruction + ", expected positive values");
        }
        if (!List.of("query-split", "corpus-split", "both").contains(quarryMode)) {
            throw new IllegalArgumentException("--quarry-mode=" + quarryMode
                    + ", expected query-split, corpus-split or both");
        }
        // Checked only for the contender that uses them: the orchestrator passes one option set to all.
        for (int ef : contender.equals("jvector-graph") ? jvectorEfs : new int[0]) {
            if (ef < k) { // JVector rejects rerankK < topK
                throw new IllegalArgumentException("--jvector-ef " + ef + " < --k " + k + ", expected ef >= k");
            }
        }
        for (int p : contender.equals("quarry-ivf") ? nprobes : new int[0]) {
            if (p < 1 || p > nlist) {
                throw new IllegalArgumentException("--nprobe " + p + ", expected 1 <= nprobe <= nlist=" + nlist);
            }
        }
        nprobes = nprobes.clone();
        jvectorEfs = jvectorEfs.clone();
    }

    /** Parses {@code args}; throws {@link IllegalArgumentException} naming the bad option. */
    public static PeerOptions parse(String[] args) {
        String contender = null;
        Path corpus = null;
        Path queries = null;
        int queryLimit = 0;
        int k = 100;
        int threads = 1;
        int runs = 3;
        String dataset = "";
        String label = "";
        Path idsOut = null;
        Path jsonOut = null;
        Path groundTruth = null;
        int nlist = 1024;
        int[] nprobes = {1, 2, 4, 8, 16};
        Path indexCache = null;
        String quarryMode = DEFAULT_QUARRY_MODE;
        int quarryBlock = 0;
        int m = 16;
        int efConstruction = 100;
        int[] efs = {100, 200, 400};
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (option.equals("--help") || option.equals("-h")) {
                throw new IllegalArgumentException(USAGE);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(option + ": missing value");
            }
            String v = args[++i];
            try {
                switch (option) {
                    case "--contender" -> contender = v;
                    case "--corpus" -> corpus = Path.of(v);
                    case "--queries" -> queries = Path.of(v);
                    case "--query-limit" -> queryLimit = Integer.parseInt(v);
                    case "--k" -> k = Integer.parseInt(v);
                    case "--threads" -> threads = Integer.parseInt(v);
                    case "--runs" -> runs = Integer.parseInt(v);
                    case "--dataset" -> dataset = v;
                    case "--label" -> label = v;
                    case "--ids-out" -> idsOut = Path.of(v);
                    case "--json-out" -> jsonOut = Path.of(v);
                    case "--ground-truth" -> groundTruth = Path.of(v);
                    case "--nlist" -> nlist = Integer.parseInt(v);
                    case "--nprobe" -> nprobes = ints(v);
                    case "--index-cache" -> indexCache = Path.of(v);
                    case "--quarry-mode" -> quarryMode = v;
                    case "--quarry-block" -> quarryBlock = Integer.parseInt(v);
                    case "--jvector-m" -> m = Integer.parseInt(v);
                    case "--jvector-ef-construction" -> efConstruction = Integer.parseInt(v);
                    case "--jvector-ef" -> efs = ints(v);
                    default -> throw new IllegalArgumentException("unknown option " + option + "\n" + USAGE);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + "=" + v + ", expected a number (or a comma list)");
            }
        }
        return new PeerOptions(contender, corpus, queries, queryLimit, k, threads, runs, dataset, label, idsOut,
                jsonOut, groundTruth, nlist, nprobes, indexCache, quarryMode, quarryBlock, m, efConstruction, efs);
    }

    private static int[] ints(String list) {
        return Arrays.stream(list.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
    }

    @Override
    public int[] nprobes() {
        return nprobes.clone();
    }

    @Override
    public int[] jvectorEfs() {
        return jvectorEfs.clone();
    }

    /** The Quarry thread layouts to measure, in order. */
    public List<String> quarryModes() {
        return quarryMode.equals("both") ? List.of("query-split", "corpus-split") : List.of(quarryMode);
    }
}
