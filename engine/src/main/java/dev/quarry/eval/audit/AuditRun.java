package dev.quarry.eval.audit;

import dev.quarry.QuarryDataException;
import dev.quarry.eval.EvalReport;
import dev.quarry.eval.EvalResult;
import dev.quarry.files.OutputClaim;
import dev.quarry.io.JsonlTexts;
import dev.quarry.io.OutputFormat;
import dev.quarry.labels.DynamicIdMap;
import dev.quarry.labels.IdMap;
import dev.quarry.labels.Qrels;
import dev.quarry.labels.QrelsReader;
import dev.quarry.pipeline.StoreIds;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.VectorKernels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Runs an {@link AuditRequest}, as {@code MiningRunner} runs a mining request: claims the files it
 * writes (never an input), reads the mined set, names its rows with the stores' ids, fills in scores
 * and ranks from embeddings, audits, writes the review sheet, reads a reviewed sheet back, writes the
 * HTML report.
 */
public final class AuditRun {
    private final VectorKernels kernels;

    public AuditRun(VectorKernels kernels) {
        this.kernels = kernels;
    }

    /**
     * What the audit produced.
     *
     * @param report the findings
     * @param sheetRows negatives written to the review sheet (0 without one)
     * @param estimate the false-negative estimate of a reviewed sheet, or null
     * @param relevantPairsFile where the pairs marked relevant were written, or null
     * @param warnings what the user should know (anchors the embeddings could not score)
     */
    public record Result(AuditReport report, int sheetRows, ReviewSheet.Estimate estimate, Path relevantPairsFile,
                         List<String> warnings) {
    }

    public Result run(AuditRequest r) {
        try (OutputClaim claim = claim(r)) {
            return audit(r);
        }
    }

    private static OutputClaim claim(AuditRequest r) {
        OutputClaim.Builder files = OutputClaim.builder().input("mined", r.mined()).input("corpus", r.corpus())
                .input("queries", r.queries()).input("corpusText", r.corpusText())
                .input("queriesText", r.queriesText()).input("qrels", r.qrels())
                .input("knownPositives", r.knownPositives()).input("truth", r.truth()).input("reviewed", r.reviewed())
                .input("eval", r.eval());
        if (r.sample() > 0) {
            files.output(r.sheetCsv()).output(r.sheetJsonl());
        }
        return files.output(r.relevantPairs()).output(r.html()).claim();
    }

    private Result audit(AuditRequest r) {
        MinedSetReader.MinedSet set = MinedSetReader.read(r.mined());
        boolean npy = set.format() == OutputFormat.NPY;
        List<String> warnings = new ArrayList<>();
        try (VectorStore c = r.corpus() == null ? null : VectorStore.open(r.corpus());
             VectorStore q = r.queries() == null ? null : VectorStore.open(r.queries());
             StoreIds docIds = StoreIds.of(c, null, r.corpusText());
             StoreIds queryIds = q == null && r.queriesText() == null ? null : StoreIds.of(q, null, r.queriesText());
             JsonlTexts docTexts = r.corpusText() == null ? null : JsonlTexts.open(r.corpusText(), docIds.ids(),
                     docIds.ids().size());
             JsonlTexts queryTexts = r.queriesText() == null ? null : JsonlTexts.open(r.queriesText(),
                     queryIds.ids(), queryIds.ids().size())) {
            // Anchors are rows of the query store, or of the corpus without one (whatever the query texts name).
            IdMap docs = docIds.ids();
            IdMap qs = queryIds == null ? docs : queryIds.ids();
            IdMap anchorRows = q == null ? docs : qs;
            // npy sets hold row numbers: with the stores, they are named by the stores' ids like every other format.
            if (npy && c != null) {
                set = set.withStoreIds(r.mined(), anchorRows, docs);
            }
            // A set mined with texts (mine --corpus-text/--queries-text) names rows by their texts: the same text
            // files name them by their ids again, so the embeddings, qrels and truth files meet them.
            if (!npy && (docTexts != null || queryTexts != null)) {
                set = set.withIdsOf(namesOf(q == null ? known(docs) : known(qs), q == null ? docTexts : queryTexts,
                        set.anchors().stream().map(AuditedAnchor::anchor).toList()), namesOf(known(docs), docTexts,
                        set.anchors().stream().flatMap(a -> Stream.concat(a.positives().stream(),
                                a.negatives().stream())).toList()));
            }
            if (r.qrels() != null) {
                set = set.withPositives(positivesOf(r.qrels()));
            }
            List<AuditedAnchor> anchors = set.anchors();
            if (c != null) {
                Rescorer rescorer = new Rescorer(c, q == null ? c : q, docs, anchorRows, r.rankDepth(), kernels,
                        r.threads());
                anchors = rescorer.fill(anchors);
                unmatched(r, rescorer, anchors.size(), warnings);
            }
            AuditReport report = new Auditor(r.noiseMargin()).audit(r.mined(), new MinedSetReader.MinedSet(
                    set.format(), anchors), r.knownPositives(), r.truth());
            int sheetRows = 0;
            if (r.sample() > 0) {
                List<AuditedAnchor> sampled = anchors;
                List<ReviewSheet.Row> rows = ReviewSheet.sample(sampled, r.sample(), r.seed(),
                        ValueNames.of(known(qs), queryTexts, sampled.stream().map(AuditedAnchor::anchor).toList()),
                        ValueNames.of(known(docs), docTexts, sampled.stream().flatMap(a -> Stream.concat(
                                a.positives().stream(), a.negatives().stream())).toList()));
                ReviewSheet.write(rows, r.sheetCsv(), r.sheetJsonl());
                sheetRows = rows.size();
            }
            ReviewSheet.Estimate estimate = r.reviewed() == null ? null : ReviewSheet.read(r.reviewed());
            Path pairs = null;
            if (estimate != null && !estimate.relevantPairs().isEmpty()) {
                pairs = r.relevantPairs();
                ReviewSheet.writeRelevantPairs(estimate.relevantPairs(), pairs);
            }
            if (r.html() != null) {
                List<EvalResult> evals = r.eval() == null ? null : EvalReport.read(r.eval());
                HtmlReport.write(r.html(), report, estimate, evals);
            }
            return new Result(report, sheetRows, estimate, pairs, warnings);
        }
    }

    /** The positives of each anchor id in a qrels file. */
    private static Function<String, List<String>> positivesOf(Path file) {
        DynamicIdMap anchorIds = new DynamicIdMap();
        DynamicIdMap docIds = new DynamicIdMap();
        Qrels positives = new QrelsReader(anchorIds, docIds, false).read(file, null).qrels();
        return anchor -> {
            int a = anchorIds.ordinal(anchor);
            return a < 0 ? List.of() : Arrays.stream(positives.docs(a)).mapToObj(docIds::id).toList();
        };
    }

    /** How {@code values} read as ids, through {@code texts}; null without texts or ids to map them to. */
    private static ValueNames namesOf(IdMap ids, JsonlTexts texts, List<String> values) {
        return ids == null || texts == null ? null : ValueNames.of(ids, texts, values);
    }

    /** Ids that name rows, or null when nothing names them (no store, id file or text file). */
    private static IdMap known(IdMap ids) {
        return ids instanceof DynamicIdMap ? null : ids;
    }

    /** Anchors the embeddings cannot score: a warning, or an error when none can be. */
    private static void unmatched(AuditRequest r, Rescorer rescorer, int anchors, List<String> warnings) {
        if (rescorer.unmatchedAnchors() == 0) {
            return;
        }
        Path store = r.queries() != null ? r.queries() : r.corpus();
        String found = String.format(Locale.ROOT, "%,d of %,d anchors name no row of %s (e.g. %s)",
                rescorer.unmatchedAnchors(), anchors, store, rescorer.firstUnmatchedAnchor());
        if (rescorer.unmatchedAnchors() == anchors) {
            throw new QuarryDataException(r.mined(), "anchors", found, r.queries() != null ? "ids of " + r.queries()
                    : "ids of the corpus rows; anchors from another store need the query store");
        }
        warnings.add(found + "; their scores and ranks stay as the file has them");
    }
}
