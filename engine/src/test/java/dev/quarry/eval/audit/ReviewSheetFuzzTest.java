package dev.quarry.eval.audit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.quarry.testing.ParserContract;
import java.nio.file.Path;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Fuzzes {@link ReviewSheet#read}: the fuzzed bytes are a reviewed sheet CSV, marks and all. */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReviewSheetFuzzTest {
    @TempDir
    static Path dir;

    @FuzzTest
    void read(byte[] bytes) {
        Path file = ParserContract.write(dir.resolve("mined.review.csv"), bytes);
        ReviewSheet.Estimate estimate = ParserContract.resultOrDataError(() -> ReviewSheet.read(file), file);
        if (estimate != null) {
            assertTrue(estimate.reviewed() > 0 && estimate.relevant() <= estimate.reviewed(), estimate::describe);
            assertTrue(estimate.relevantPairs().size() <= estimate.relevant(), estimate::describe);
        }
    }
}
