package dev.quarry.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.mining.MinedAnchor;
import dev.quarry.mining.Miner;
import dev.quarry.mining.MiningConfig;
import dev.quarry.store.VectorStore;
import dev.quarry.testing.TestFiles;
import dev.quarry.testing.TestVectors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's Java example compiles (it is this file's {@link #mineInProcess}) and runs. */
class ReadmeExampleTest {
    @TempDir
    Path dir;

    // README example start
    static List<MinedAnchor> mineInProcess(Path corpusFile, float[][] anchors, int[][] positives) {
        MiningConfig config = MiningConfig.defaults().withNumNegatives(8).withRange(10, 100);
        try (VectorStore corpus = VectorStore.open(corpusFile);
             Miner miner = Miner.over(corpus, config)) {
            List<MinedAnchor> mined = miner.mine(anchors, positives);
            for (MinedAnchor a : mined) {
                System.out.println(a.anchor() + " -> " + Arrays.toString(a.negatives())
                        + " scores " + Arrays.toString(a.negativeScores()));
            }
            return mined;
        }
    }
    // README example end

    @Test
    void theExampleRunsAndMinesEightNegativesPerAnchor() {
        SplittableRandom random = new SplittableRandom(4);
        float[][] rows = TestVectors.rows(random, 500, 16);
        Path corpus = TestFiles.qvec(dir.resolve("corpus.qvec"), rows, false);
        float[][] anchors = TestVectors.rows(random, 3, 16);
        int[][] positives = {{rows.length - 1}, {0, 1}, {42}};
        List<MinedAnchor> mined = mineInProcess(corpus, anchors, positives);
        assertEquals(3, mined.size());
        for (MinedAnchor a : mined) {
            assertTrue(a.negatives().length <= 8);
            assertTrue(Arrays.stream(a.negativeRanks()).allMatch(r -> r >= 10 && r < 100));
        }
    }

    @Test
    void theReadmeShowsExactlyThisCode() throws IOException {
        String readme = Files.readString(Path.of("..", "..", "README.md"));
        Matcher block = Pattern.compile("(?s)## From Java.*?```java\\n(.*?)```").matcher(readme);
        assertTrue(block.find(), "README has a '## From Java' section with a java block");
        String source = Files.readString(Path.of("src/test/java/dev/quarry/cli/ReadmeExampleTest.java"));
        String example = source.substring(source.indexOf("// README example start") + 24,
                source.indexOf("    // README example end"));
        assertEquals(strip(example), strip(block.group(1)), "README's example and this test's method differ");
    }

    private static String strip(String code) {
        return code.lines().map(String::strip).filter(l -> !l.isEmpty()).reduce("", (a, b) -> a + b + "\n");
    }
}
