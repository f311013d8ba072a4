package dev.quarry.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The training run of the launcher's start-up cache: the commands a user runs first (generate, index
 * build, info, mine to JSONL and to npy, with and without an anchors file), on a small catalog in a
 * temporary directory. The launcher runs it once per build of quarry.jar under the JDK's
 * {@code -XX:AOTCacheOutput}, which keeps the classes these commands loaded and linked and the method
 * profiles they gathered; later commands start from them. Not a user command: its output is only for
 * the launcher's log.
 */
public final class StartupTraining {
    private StartupTraining() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("quarry-startup-training");
        int code;
        try {
            code = train(dir);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(StartupTraining::delete);
            }
        }
        System.exit(code);
    }

    private static int train(Path dir) throws IOException {
        String corpus = dir.resolve("corpus.qvec").toString();
        String queries = dir.resolve("queries.qvec").toString();
        String index = dir.resolve("corpus.qivf").toString();
        StringBuilder qrels = new StringBuilder();
        StringBuilder anchors = new StringBuilder();
        for (int q = 0; q < 500; q++) {
            qrels.append(q).append('\t').append(q * 7 % 2000).append('\n');
            if (q < 50) {
                anchors.append(q).append('\n');
            }
        }
        Files.writeString(dir.resolve("qrels.tsv"), qrels);
        Files.writeString(dir.resolve("anchors.txt"), anchors);
        String[][] commands = {
            {"generate", "--count", "2000", "--dim", "384", "--output", corpus, "--queries", "500",
                "--queries-output", queries},
            {"index", "build", "--store", corpus, "--nlist", "16", "--output", index},
            {"info", corpus},
            {"mine", "--corpus", corpus, "--queries", queries, "--qrels", dir.resolve("qrels.tsv").toString(),
                "--anchors", dir.resolve("anchors.txt").toString(), "--index", index, "--nprobe", "1",
                "--output", dir.resolve("mined.jsonl").toString()},
            {"mine", "--corpus", corpus, "--queries", queries, "--qrels", dir.resolve("qrels.tsv").toString(),
                "--index", index, "--output-format", "npy", "--output", dir.resolve("mined.npy").toString()},
        };
        for (String[] command : commands) {
            int code = QuarryMain.run(command);
            if (code != 0) {
                System.err.println("startup training: quarry " + String.join(" ", command) + " exited " + code);
                return code;
            }
        }
        return 0;
    }

    private static void delete(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
