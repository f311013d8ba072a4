package dev.quarry.cli;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.quarry.mining.MinedAnchor;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A retrieval catalog made of real texts, Python's docstrings, with known duplicates: every documented
 * name is a document (its whole docstring); each distinct docstring with more than a summary line gives
 * one anchor (the summary line) whose labelled positive is the first name carrying it. The known
 * positives that stay unlabelled are (1) the other names carrying the identical docstring (aliases,
 * re-exports, copies) and (2) documents whose own summary line is the anchor's text (case and spacing
 * aside): the anchor describes them exactly as well. A mined negative among them is a known false
 * negative.
 *
 * <p>Rows are line numbers of {@code corpus.jsonl} and {@code queries.jsonl}, as embedded stores number them.
 */
final class TextCatalog {
    private final List<PythonDocstrings.Entry> docs;
    private final List<Integer> anchorPositive = new ArrayList<>();
    private final List<String> anchorText = new ArrayList<>();
    private final List<Set<Integer>> known = new ArrayList<>();

    /**
     * Picks distinct docstrings at random (seeded), each with every name that carries it, until the catalog
     * holds {@code maxDocs} documents (0: all).
     */
    TextCatalog(List<PythonDocstrings.Entry> entries, int maxDocs, long seed) {
        Map<String, List<PythonDocstrings.Entry>> groups = new LinkedHashMap<>();
        for (PythonDocstrings.Entry e : entries) {
            groups.computeIfAbsent(e.doc(), k -> new ArrayList<>()).add(e);
        }
        List<List<PythonDocstrings.Entry>> order = new ArrayList<>(groups.values());
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = order.size() - 1; i > 0; i--) { // Fisher-Yates: a seeded sample of whole groups
            int j = random.nextInt(i + 1);
            List<PythonDocstrings.Entry> t = order.get(i);
            order.set(i, order.get(j));
            order.set(j, t);
        }
        List<PythonDocstrings.Entry> picked = new ArrayList<>();
        for (List<PythonDocstrings.Entry> g : order) {
            if (maxDocs > 0 && picked.size() >= maxDocs) {
                break;
            }
            picked.addAll(g);
        }
        picked.sort((a, b) -> a.name().compareTo(b.name()));
        this.docs = picked;
        Map<String, List<Integer>> bySummary = new HashMap<>();
        Map<String, List<Integer>> byDoc = new HashMap<>();
        for (int i = 0; i < docs.size(); i++) {
            bySummary.computeIfAbsent(key(docs.get(i).summary()), k -> new ArrayList<>()).add(i);
            byDoc.computeIfAbsent(docs.get(i).doc(), k -> new ArrayList<>()).add(i);
        }
        Set<String> anchored = new HashSet<>();
        for (int i = 0; i < docs.size(); i++) {
            PythonDocstrings.Entry e = docs.get(i);
            if (!e.hasBody() || e.summary().isBlank() || !anchored.add(e.doc())) {
                continue;
            }
            Set<Integer> same = new HashSet<>(byDoc.get(e.doc()));
            same.addAll(bySummary.get(key(e.summary())));
            same.remove(i);
            anchorPositive.add(i);
            anchorText.add(e.summary());
            known.add(same);
        }
    }

    private static String key(String summary) {
        return summary.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    }

    int docs() {
        return docs.size();
    }

    int anchors() {
        return anchorPositive.size();
    }

    /** Anchors with at least one known unlabelled positive. */
    long anchorsWithDuplicates() {
        return known.stream().filter(s -> !s.isEmpty()).count();
    }

    /** Known unlabelled positives over all anchors. */
    long knownDuplicates() {
        return known.stream().mapToLong(Set::size).sum();
    }

    /** Writes corpus.jsonl, queries.jsonl, qrels.tsv and truth.tsv (anchor, doc, kind) into {@code dir}. */
    void write(Path dir) {
        try (BufferedWriter corpus = Files.newBufferedWriter(dir.resolve("corpus.jsonl"), StandardCharsets.UTF_8);
             BufferedWriter queries = Files.newBufferedWriter(dir.resolve("queries.jsonl"), StandardCharsets.UTF_8);
             BufferedWriter qrels = Files.newBufferedWriter(dir.resolve("qrels.tsv"), StandardCharsets.UTF_8);
             BufferedWriter truth = Files.newBufferedWriter(dir.resolve("truth.tsv"), StandardCharsets.UTF_8)) {
            for (PythonDocstrings.Entry e : docs) {
                corpus.write("{\"id\":" + json(e.name()) + ",\"text\":" + json(e.doc()) + "}\n");
            }
            for (int a = 0; a < anchors(); a++) {
                String id = anchorId(a);
                String positive = docs.get(anchorPositive.get(a)).name();
                queries.write("{\"id\":" + json(id) + ",\"text\":" + json(anchorText.get(a)) + "}\n");
                qrels.write(id + "\t" + positive + "\t1\n");
                truth.write(id + "\t" + positive + "\tlabelled\n");
                for (int d : known.get(a).stream().sorted().toList()) {
                    boolean alias = docs.get(d).doc().equals(docs.get(anchorPositive.get(a)).doc());
                    truth.write(id + "\t" + docs.get(d).name() + "\t" + (alias ? "identical-docstring"
                            : "same-summary") + "\n");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String anchorId(int a) {
        return "q:" + docs.get(anchorPositive.get(a)).name();
    }

    private static String json(String s) {
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
    }

    /** Counts mined negatives, known false negatives among them, and their mean score. Not thread-safe. */
    final class Counter {
        long negatives;
        long falseNegatives;
        double scoreSum;

        void add(MinedAnchor a) {
            for (int i = 0; i < a.negatives().length; i++) {
                negatives++;
                scoreSum += a.negativeScores()[i];
                if (known.get(a.anchor()).contains(a.negatives()[i])) {
                    falseNegatives++;
                }
            }
        }

        double falseNegativeRate() {
            return negatives == 0 ? Double.NaN : (double) falseNegatives / negatives;
        }

        double meanNegativeScore() {
            return negatives == 0 ? Double.NaN : scoreSum / negatives;
        }
    }
}
