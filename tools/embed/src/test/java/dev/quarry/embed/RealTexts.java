package dev.quarry.embed;

import dev.quarry.cli.PythonDocstrings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Real texts for the tests: Python's standard-library docstrings (listed once per test run). */
final class RealTexts {
    private static List<PythonDocstrings.Entry> entries;

    private RealTexts() {
    }

    static synchronized List<PythonDocstrings.Entry> docstrings() {
        if (entries == null) {
            try {
                Path dir = Files.createTempDirectory("quarry-docstrings");
                entries = PythonDocstrings.extract("python3", dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return entries;
    }

    /**
     * {@code n} texts spread over the catalog (every k-th entry, in name order), each a docstring or, for
     * every third, its one-line summary: short and long texts alike.
     */
    static List<String> sample(int n) {
        List<PythonDocstrings.Entry> all = docstrings();
        List<String> texts = new ArrayList<>();
        int step = Math.max(1, all.size() / n);
        for (int i = 0; texts.size() < n && i < all.size(); i += step) {
            PythonDocstrings.Entry e = all.get(i);
            texts.add(texts.size() % 3 == 2 ? e.summary() : e.doc());
        }
        return texts;
    }
}
