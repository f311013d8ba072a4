package dev.quarry.cli;

import dev.quarry.store.ImportOptions;
import dev.quarry.store.ImportReport;
import dev.quarry.store.StoreImporter;
import dev.quarry.vector.VectorKernelsProvider;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quarry import}: converts .npy / .fvecs into a .qvec store. */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Convert embeddings (.npy <f4 or <f2, .fvecs, .qvec) into a .qvec store, streaming.",
        footer = {"", "Example:", "  quarry import --input corpus.npy --output corpus.qvec --normalize --ids ids.txt"})
final class ImportCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--input", required = true, description = "The embeddings to convert.")
    Path input;

    @Option(names = "--output", required = true, description = "The .qvec file to write.")
    Path output;

    @Option(names = "--normalize", description = "Scale every row to unit L2 norm (scores become cosines).")
    boolean normalize;

    @Option(names = "--allow-nan", description = "Keep rows holding NaN or infinity (they are rejected by default).")
    boolean allowNan;

    @Option(names = "--ids", description = "Text file with one external id per row; copied to OUTPUT.ids.")
    Path ids;

    @Override
    public Integer call() {
        ImportReport report = new StoreImporter(VectorKernelsProvider.get())
                .run(input, output, new ImportOptions(normalize, allowNan, ids), spec.commandLine().getErr());
        spec.commandLine().getOut().printf("wrote %s: %,d x %d float32, %s%s%s%n", report.output(), report.rows(), report.dim(),
                report.normalized() ? "unit-norm rows (flagged normalized)" : "not normalized",
                report.nonFiniteRows() > 0 ? ", " + report.nonFiniteRows() + " NaN/Inf rows kept (--allow-nan)" : "",
                report.ids() != null ? ", ids in " + report.ids() : "");
        return ExitCodes.OK;
    }
}
