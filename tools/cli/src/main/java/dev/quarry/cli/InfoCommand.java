package dev.quarry.cli;

import dev.quarry.QuarryDataException;
import dev.quarry.files.ContentChecksum;
import dev.quarry.store.MatrixLayout;
import dev.quarry.store.StoreContent;
import dev.quarry.store.StoreContents;
import dev.quarry.store.StoreFormat;
import dev.quarry.store.StoreInspector;
import dev.quarry.store.StoreStats;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quarry info}: what a store holds, and whether its rows are sane. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Describe a .qvec, .npy or .fvecs file: shape, norms, NaN/Inf and zero rows, header check.",
        footer = {"", "Example:", "  quarry info corpus.qvec --verify"})
final class InfoCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The store to describe.")
    Path file;

    @Option(names = "--verify", description = "Scan every row (default: an even sample of "
            + StoreInspector.SAMPLE_ROWS + " rows); fails (exit 3) when the file is flagged L2-normalized and a row's"
            + " norm is not 1.")
    boolean verify;

    @Override
    public Integer call() {
        try (VectorStore store = VectorStore.open(file)) {
            MatrixLayout layout = store.layout();
            StoreStats stats = new StoreInspector(VectorKernelsProvider.get()).inspect(store, verify, spec.commandLine().getErr());
            StoreContent content = verify ? StoreContents.verify(store, spec.commandLine().getErr()) : null;
            PrintWriter out = spec.commandLine().getOut();
            row(out, "file", file.toString());
            row(out, "format", layout.format().name().toLowerCase(Locale.ROOT)
                    + (layout.format() == StoreFormat.QVEC ? (layout.recordedChecksum().isPresent() ? " v2" : " v1") : ""));
            row(out, "dtype", layout.format() == StoreFormat.NPY ? "<f4 (float32)" : "float32");
            row(out, "dim", String.valueOf(layout.dim()));
            row(out, "count", String.format(Locale.ROOT, "%,d", layout.count()));
            row(out, "size", String.format(Locale.ROOT, "%,d bytes", layout.fileSize()));
            row(out, "normalized", normalizedText(layout, stats));
            row(out, "header crc", layout.format() == StoreFormat.QVEC
                    ? String.format("0x%08x ok", layout.headerCrc()) : "none in this format");
            row(out, "rows checksum", checksumText(layout, content));
            String scope = stats.sampled()
                    ? String.format(Locale.ROOT, "sample of %,d rows; --verify scans all", stats.rowsScanned())
                    : String.format(Locale.ROOT, "all %,d rows", stats.rowsScanned());
            row(out, "scanned", scope);
            row(out, "norm", String.format(Locale.ROOT, "min %.6g  mean %.6g  max %.6g", stats.normMin(),
                    stats.normMean(), stats.normMax()));
            row(out, "nan/inf rows", countText(stats.nonFiniteRows(), stats.firstNonFiniteRow()));
            row(out, "zero rows", countText(stats.zeroRows(), stats.firstZeroRow()));
            row(out, "kernels", VectorKernelsProvider.get().description());
            if (stats.nonFiniteRows() > 0 || stats.zeroRows() > 0) {
                spec.commandLine().getErr().println("quarry info: warning: " + file + " has rows that mining cannot score "
                        + "(NaN/Inf or zero); re-import with --normalize to find them, or fix the source.");
            }
            checkNormalizedFlag(layout, stats);
        }
        return ExitCodes.OK;
    }

    /**
     * A store flagged L2-normalized must hold unit rows: mining, k-means and the near-duplicate filter trust the
     * flag. Under --verify a row that is not is a data error (exit 3); in a sample, a warning.
     */
    private void checkNormalizedFlag(MatrixLayout layout, StoreStats stats) {
        if (!layout.normalized() || stats.firstNonUnitRow() < 0) {
            return;
        }
        String norm = String.format(Locale.ROOT, "%.6g", stats.firstNonUnitNorm());
        String expected = "1 within " + StoreInspector.UNIT_TOLERANCE + ", as the header flags every row L2-normalized ("
                + String.format(Locale.ROOT, "%,d", stats.nonUnitRows()) + " of the " + (stats.sampled()
                ? "sampled rows" : "rows") + " are not); re-import with --normalize, or rewrite the file unflagged";
        if (verify) {
            throw new QuarryDataException(file, "row[" + stats.firstNonUnitRow() + "] norm", norm, expected);
        }
        spec.commandLine().getErr().println("quarry info: warning: " + file + ": row[" + stats.firstNonUnitRow()
                + "] norm=" + norm + ", expected " + expected + " (--verify checks every row and fails)");
    }

    private static String normalizedText(MatrixLayout layout, StoreStats stats) {
        String flag = layout.format() == StoreFormat.QVEC ? (layout.normalized() ? "flag set" : "flag not set")
                : "no flag in this format";
        String measured = Double.isNaN(stats.maxUnitDeviation()) ? "no finite rows"
                : String.format(Locale.ROOT, "max |norm - 1| = %.2g", stats.maxUnitDeviation());
        boolean unit = stats.unitNorm(StoreInspector.UNIT_TOLERANCE);
        return (unit ? "yes" : "no") + " (" + flag + "; " + measured + ")";
    }

    private static String checksumText(MatrixLayout layout, StoreContent verified) {
        String recorded = layout.recordedChecksum().isPresent()
                ? ContentChecksum.hex(layout.recordedChecksum().getAsLong()) : null;
        if (verified != null) {
            return verified.checksumHex() + (recorded != null ? " ok (matches the footer)" : " (computed; this format"
                    + " records none)");
        }
        return recorded != null ? recorded + " (footer; --verify recomputes it)"
                : "none recorded in this format (--verify computes it)";
    }

    private static String countText(long count, long first) {
        return count == 0 ? "0" : String.format(Locale.ROOT, "%,d (first: row %d)", count, first);
    }

    private static void row(PrintWriter out, String key, String value) {
        out.printf("%-13s %s%n", key, value);
    }
}
