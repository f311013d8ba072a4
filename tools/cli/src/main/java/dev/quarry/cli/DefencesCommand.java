package dev.quarry.cli;

import dev.quarry.eval.DefenceEvaluation;
import dev.quarry.synth.CatalogSpec;
import dev.quarry.synth.SyntheticCatalog;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quarry defences}: the evidence table for the false-negative defences. */
@Command(name = "defences", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Mine a catalog with planted unlabelled positives and label noise under no defence, each "
                + "defence alone and combined, and print the false-negative rate, hardness and shortfall of each.",
        footer = {"", "Example:", "  quarry defences --output docs/defences.md"})
final class DefencesCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    CatalogOptions options;

    @Option(names = "--output", description = "Also write the table (markdown) to this file.")
    Path output;

    @Override
    public Integer call() throws IOException {
        CatalogSpec catalog = options.catalog();
        Path workdir = options.workdir;
        Path dir = workdir != null ? Files.createDirectories(workdir) : Files.createTempDirectory("quarry-defences");
        try {
            List<DefenceEvaluation.Row> rows = new DefenceEvaluation(VectorKernelsProvider.get()).run(catalog, dir,
                    options.threads(), spec.commandLine().getErr());
            long planted = new SyntheticCatalog(catalog).totalDocs() - (long) catalog.docs();
            String table = DefenceEvaluation.markdown(catalog, planted, rows);
            spec.commandLine().getOut().print(table);
            spec.commandLine().getOut().flush();
            if (output != null) {
                Files.writeString(output, table);
            }
        } finally {
            if (workdir == null) {
                DemoCommand.deleteTree(dir);
            }
        }
        return ExitCodes.OK;
    }
}
