package dev.quarry.cli;

import dev.quarry.options.CommandFlags;
import dev.quarry.synth.CatalogSpec;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The options of the commands that generate a synthetic catalog (demo, defences). */
final class CatalogOptions {
    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--docs", defaultValue = "100000", description = "Documents (default: ${DEFAULT-VALUE}).")
    int docs;

    @Option(names = "--anchors", defaultValue = "10000", description = "Anchors (default: ${DEFAULT-VALUE}).")
    int anchors;

    @Option(names = "--dim", defaultValue = "128", description = "Dimension (default: ${DEFAULT-VALUE}).")
    int dim;

    @Option(names = "--label-noise", defaultValue = "0.05",
            description = "Share of anchors with a wrong label (default: ${DEFAULT-VALUE}).")
    double labelNoise;

    @Option(names = CommandFlags.THREADS, description = "Threads (default: all cores).")
    Integer threads;

    @Option(names = "--workdir", description = "Where the catalog and mined sets go (default: a temp directory).")
    Path workdir;

    /** The catalog asked for: the demo's shape with these sizes (1 topic per 100 documents). */
    CatalogSpec catalog() {
        CatalogSpec base = CatalogSpec.demo();
        try {
            return new CatalogSpec(docs, anchors, dim, Math.max(1, docs / 100), base.plantedFraction(),
                    base.maxPlanted(), labelNoise, base.seed());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** Threads to use. */
    int threads() {
        return ThreadCount.resolve(threads, spec.commandLine());
    }
}
