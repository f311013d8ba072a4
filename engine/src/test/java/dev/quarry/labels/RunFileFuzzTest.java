package dev.quarry.labels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.quarry.testing.ParserContract;
import java.nio.file.Path;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzes {@link RunFile}: the fuzzed bytes are a run file, a TREC run ({@code run.txt}, where a line
 * starting with '{' is read as JSON) or JSONL ({@code run.jsonl}); its ids are scanned, then it is read
 * leniently and under {@code --strict}, and every list it holds is walked.
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RunFileFuzzTest {
    @TempDir
    static Path dir;

    @FuzzTest
    void trec(byte[] bytes) {
        read(ParserContract.write(dir.resolve("run.txt"), bytes));
    }

    @FuzzTest
    void jsonl(byte[] bytes) {
        read(ParserContract.write(dir.resolve("run.jsonl"), bytes));
    }

    private static void read(Path file) {
        ParserContract.resultOrDataError(() -> {
            RunFile.scanIds(file, id -> { }, id -> { });
            return null;
        }, file);
        for (boolean strict : new boolean[] {false, true}) {
            DynamicIdMap anchors = new DynamicIdMap();
            RunFile run = ParserContract.resultOrDataError(() -> RunFile.read(file, anchors, IdMap.ordinals(5), strict),
                    file);
            if (run == null) {
                continue;
            }
            for (int a = 0; a < anchors.size(); a++) {
                int list = run.indexOf(a);
                for (int j = 0; list >= 0 && j < run.size(list); j++) {
                    int doc = run.doc(list, j);
                    assertTrue(doc >= 0 && doc < 5, () -> "doc ordinal " + doc);
                    run.score(list, j);
                }
            }
        }
    }
}
