package dev.quarry.cli;

import dev.quarry.files.OutputClaim;
import dev.quarry.options.CommandFlags;
import dev.quarry.options.CommandSettingError;
import dev.quarry.options.Door;
import dev.quarry.synth.BenchmarkVectors;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quarry generate}: the benchmark data sets, as .qvec files. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Write a synthetic, normalized corpus (and queries) as .qvec: clustered topics or uniform"
                + " on the sphere; the data every Quarry benchmark measures on.",
        footer = {"", "Example:",
                "  quarry generate --kind clustered --count 1000000 --dim 384 --output corpus.qvec \\",
                "                  --queries 2000 --queries-output queries.qvec"})
final class GenerateCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = CommandFlags.KIND, defaultValue = "clustered", description = "clustered or uniform (default: ${DEFAULT-VALUE}).")
    String kind;

    @Option(names = "--count", defaultValue = "100000", description = "Corpus rows (default: ${DEFAULT-VALUE}).")
    long count;

    @Option(names = "--dim", defaultValue = "384", description = "Dimension (default: ${DEFAULT-VALUE}).")
    int dim;

    @Option(names = "--seed", defaultValue = "7", description = "Seed (default: ${DEFAULT-VALUE}, as in the benchmarks).")
    long seed;

    @Option(names = "--output", required = true, description = "The corpus .qvec to write.")
    Path output;

    @Option(names = "--queries", defaultValue = "0", description = "Also write this many queries.")
    long queries;

    @Option(names = "--queries-output", description = "Where the queries go (required with --queries).")
    Path queriesOutput;

    @Override
    public Integer call() {
        if (count < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--count=" + count + ", expected >= 1");
        }
        if (dim < 1 || dim > 65536) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--dim=" + dim + ", expected 1..65536");
        }
        if (queries < 0 || (queries > 0) != (queriesOutput != null)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--queries and --queries-output go together, expected both or neither");
        }
        BenchmarkVectors.Kind parsedKind;
        try {
            parsedKind = BenchmarkVectors.Kind.parse(kind);
        } catch (CommandSettingError e) {
            throw new CommandLine.ParameterException(spec.commandLine(), Door.CLI.render(e));
        }
        BenchmarkVectors data = new BenchmarkVectors(parsedKind, dim, seed);
        try (OutputClaim claim = OutputClaim.builder().output(output).output(queriesOutput).claim()) {
            write(data);
        }
        return ExitCodes.OK;
    }

    private void write(BenchmarkVectors data) {
        data.write(output, count, 0, spec.commandLine().getErr());
        spec.commandLine().getOut().printf("wrote %s: %,d x %d %s, normalized%n", output, count, dim, kind);
        if (queries > 0) {
            data.write(queriesOutput, queries, count, spec.commandLine().getErr());
            spec.commandLine().getOut().printf("wrote %s: %,d x %d queries%n", queriesOutput, queries, dim);
        }
    }
}
