package dev.quarry.tune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.QuarryDataException;
import dev.quarry.Seeds;
import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.index.VectorIndex;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.labels.Qrels;
import dev.quarry.mining.MinedAnchor;
import dev.quarry.mining.Miner;
import dev.quarry.mining.MiningConfig;
import dev.quarry.mining.SamplingStrategy;
import dev.quarry.mining.ShortfallPolicy;
import dev.quarry.io.OptionsFile;
import dev.quarry.options.Door;
import dev.quarry.options.MineOptions;
import dev.quarry.Progress;
import dev.quarry.pipeline.BlockLayout;
import dev.quarry.pipeline.MiningRequest;
import dev.quarry.store.VectorStore;
import dev.quarry.synth.CatalogSpec;
import dev.quarry.synth.SyntheticCatalog;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tune run over a planted catalog: the same report for any thread count, each candidate mined exactly as
 * the miner mines it, a seeded disjoint held-out split, and every bad held-out set refused by name.
 */
class TuneRunTest {
    private static final VectorKernels KERNELS = VectorKernelsProvider.get();

    @TempDir
    static Path catalog;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeCatalog() {
        new SyntheticCatalog(new CatalogSpec(3000, 600, 16, 30, 0.5, 3, 0.05, 3)).write(catalog);
    }

    private static List<TuneCandidate> candidates() {
        MiningConfig defaults = MiningConfig.defaults();
        return List.of(new TuneCandidate("defaults", "", defaults),
                new TuneCandidate("plain", "--no-defences", defaults.withoutFilters()),
                new TuneCandidate("random", "--sampling-strategy random", defaults.withSampling(SamplingStrategy.RANDOM)),
                new TuneCandidate("widen", "--widen-to 300 --leave-out-short",
                        defaults.withShortfall(new ShortfallPolicy(300, true))));
    }

    private TuneRequest request(int threads, Path heldoutQrels, Path heldoutQueries, String name) {
        MiningRequest inputs = MiningRequest.builder(catalog.resolve("corpus.qvec"), catalog.resolve("qrels.tsv"), null)
                .queries(catalog.resolve("queries.qvec")).threads(threads).build();
        return new TuneRequest(inputs, heldoutQueries, heldoutQrels, 0.25, catalog.resolve("truth.tsv"), null,
                candidates(), new TrainingOptions(0.05, 1e-2, 2, 32), 42, 2, dir.resolve(name + ".options"),
                dir.resolve(name + ".json"));
    }

    @Test
    void theReportIsTheSameForOneThreadAndMany() throws IOException {
        TuneReport one = new TuneRun(KERNELS).run(request(1, null, null, "one"), null);
        TuneReport two = new TuneRun(KERNELS).run(request(3, null, null, "two"), null);
        assertEquals(one.rows().size(), two.rows().size());
        for (int i = 0; i < one.rows().size(); i++) {
            assertArrayEquals(one.rows().get(i).recall10(), two.rows().get(i).recall10(), "row " + i);
            assertArrayEquals(one.rows().get(i).ndcg10(), two.rows().get(i).ndcg10(), "row " + i);
            assertArrayEquals(one.rows().get(i).loss(), two.rows().get(i).loss(), "row " + i);
        }
        assertEquals(Files.readString(dir.resolve("one.options")), Files.readString(dir.resolve("two.options")));
        assertEquals(5, one.rows().size(), "four candidates and in-batch only");
        assertEquals(4, one.baseline());
        assertEquals(150, one.setup().heldoutQueries(), "a quarter of 600 anchors held out");
        assertEquals(450, one.setup().trainingAnchors());
        assertEquals(2, one.rows().get(2).mined().size(), "random sampling: one mined set per seed");
        assertEquals(1, one.rows().get(0).mined().size(), "top sampling: one mined set for both seeds");
        assertTrue(one.rows().get(1).mined().getFirst().falseNegativeRate()
                > 5 * one.rows().get(0).mined().getFirst().falseNegativeRate(), "the planted copies are counted");
        // the options file holds the best candidate's settings, by the schema's keys, as every door reads them
        MineOptions written = OptionsFile.read(dir.resolve("one.options"), Door.HTTP);
        assertEquals(one.rows().get(one.best()).candidate().config().withSeed(42), MiningConfig.of(written));
        assertTrue(Files.readString(dir.resolve("one.options")).contains("\"source\" : \"quarry tune: the best of 4"
                + " mining configurations"));
        String json = Files.readString(dir.resolve("one.json"));
        assertTrue(json.contains("\"best\" : \"" + one.rows().get(one.best()).candidate().name() + "\""), json);
    }

    @Test
    void eachCandidateMinesWhatTheMinerMinesWithIt() {
        try (VectorStore corpus = VectorStore.open(catalog.resolve("corpus.qvec"));
             VectorStore queries = VectorStore.open(catalog.resolve("queries.qvec"))) {
            int[] anchors = IntStream.range(0, 300).toArray();
            Qrels.Builder labels = new Qrels.Builder();
            int[][] positives = new int[anchors.length][];
            float[][] vectors = new float[anchors.length][queries.dim()];
            for (int a : anchors) {
                positives[a] = new int[] {(int) ((Seeds.mix(1, a) & 0x7fffffff) % corpus.count())};
                labels.add(a, positives[a][0]);
                queries.copyRow(a, vectors[a]);
            }
            List<MiningConfig> configs = candidates().stream().map(TuneCandidate::config).toList();
            BlockLayout layout = new BlockLayout(anchors, labels.build(), Qrels.empty(), false, 64);
            MinedAnchor[][] shared = CandidateMining.mine(configs, new FlatIndex(corpus, KERNELS), corpus, queries,
                    KERNELS, layout, SearchParams.defaults(), 2, Progress.silent());
            for (int c = 0; c < configs.size(); c++) {
                try (Miner miner = Miner.builder(corpus).kernels(KERNELS).config(configs.get(c)).warmUp(false).build()) {
                    List<MinedAnchor> alone = miner.mine(vectors, positives);
                    for (int a : anchors) {
                        assertArrayEquals(alone.get(a).negatives(), shared[c][a].negatives(), "config " + c + " anchor " + a);
                        assertArrayEquals(alone.get(a).negativeRanks(), shared[c][a].negativeRanks());
                        assertEquals(alone.get(a).leftOut(), shared[c][a].leftOut());
                    }
                }
            }
        }
    }

    @Test
    void aWideningCandidateSearchesOnlyItsShortAnchorsDeeperAndMinesWhatTheFullDepthSearchMines() throws IOException {
        try (VectorStore corpus = VectorStore.open(catalog.resolve("corpus.qvec"));
             VectorStore queries = VectorStore.open(catalog.resolve("queries.qvec"))) {
            int[] anchors = IntStream.range(0, 600).toArray();
            Qrels.Builder labels = new Qrels.Builder();
            int[][] positives = new int[anchors.length][];
            float[][] vectors = new float[anchors.length][queries.dim()];
            int[] labelled = new int[anchors.length];
            for (String line : Files.readAllLines(catalog.resolve("qrels.tsv"))) {
                String[] f = line.split("\t"); // q<anchor> d<row> 1
                labelled[Integer.parseInt(f[0].substring(1))] = Integer.parseInt(f[1].substring(1));
            }
            for (int a : anchors) {
                // every fifth label names a random row: its margin empties the first window, at any depth or none
                positives[a] = new int[] {a % 5 == 0 ? (int) ((Seeds.mix(3, a) & 0x7fffffff) % corpus.count()) : labelled[a]};
                labels.add(a, positives[a][0]);
                queries.copyRow(a, vectors[a]);
            }
            MiningConfig window = MiningConfig.defaults().withRange(10, 60);
            // windows of 50 ranks: [60, 110) straddles the shared search's 100 ranks, [110, 160) lies beyond it
            List<MiningConfig> configs = List.of(MiningConfig.defaults(),
                    window.withShortfall(new ShortfallPolicy(400, true)),
                    window.withSampling(SamplingStrategy.RANDOM).withShortfall(new ShortfallPolicy(250, false)));
            BlockLayout layout = new BlockLayout(anchors, labels.build(), Qrels.empty(), false, 64);
            List<int[]> searches = new ArrayList<>();
            FlatIndex flat = new FlatIndex(corpus, KERNELS);
            VectorIndex counting = new VectorIndex() {
                @Override
                public int dim() {
                    return flat.dim();
                }

                @Override
                public long size() {
                    return flat.size();
                }

                @Override
                public String describe() {
                    return flat.describe();
                }

                @Override
                public TopK search(QueryBlock block, int k, Exclusions exclusions, SearchParams params) {
                    synchronized (searches) {
                        searches.add(new int[] {block.count(), k});
                    }
                    return flat.search(block, k, exclusions, params);
                }
            };
            MinedAnchor[][] shared = CandidateMining.mine(configs, counting, corpus, queries, KERNELS, layout, SearchParams.defaults(), 2,
                    Progress.silent());
            int deepRanks = 0;
            int shallowRanks = 0;
            for (int c = 0; c < configs.size(); c++) {
                try (Miner miner = Miner.builder(corpus).kernels(KERNELS).config(configs.get(c)).warmUp(false).build()) {
                    List<MinedAnchor> alone = miner.mine(vectors, positives);
                    for (int a : anchors) {
                        String at = "config " + c + " anchor " + a;
                        assertArrayEquals(alone.get(a).negatives(), shared[c][a].negatives(), at);
                        assertArrayEquals(alone.get(a).negativeRanks(), shared[c][a].negativeRanks(), at);
                        assertArrayEquals(alone.get(a).negativeScores(), shared[c][a].negativeScores(), at);
                        assertEquals(alone.get(a).shortfall(), shared[c][a].shortfall(), at);
                        assertEquals(alone.get(a).leftOut(), shared[c][a].leftOut(), at);
                        int deepest = Arrays.stream(shared[c][a].negativeRanks()).max().orElse(0);
                        deepRanks += deepest >= 100 ? 1 : 0;
                        shallowRanks += deepest >= 60 && deepest < 100 ? 1 : 0;
                    }
                }
            }
            assertTrue(deepRanks > 0, "some anchors take negatives beyond the shared search");
            assertTrue(shallowRanks > 0, "some anchors are completed by a window within the shared search");
            int deepQueries = searches.stream().filter(s -> s[1] > 100).mapToInt(s -> s[0]).sum();
            assertEquals(anchors.length, searches.stream().filter(s -> s[1] == 100).mapToInt(s -> s[0]).sum(),
                    "every anchor searched once to the deepest rank window");
            assertTrue(deepQueries > 0 && deepQueries <= anchors.length / 4,
                    "only the short anchors are searched deeper: " + deepQueries);
            assertTrue(searches.stream().allMatch(s -> s[1] == 100 || s[1] == 400), "deeper searches go to 400");
        }
    }

    @Test
    void theSplitIsSeededAndDisjointByAnchor() {
        int[] anchors = IntStream.range(0, 1000).map(i -> i * 3).toArray();
        HeldoutSplit a = HeldoutSplit.of(anchors, 0.2, 7, Path.of("q.tsv"));
        HeldoutSplit b = HeldoutSplit.of(anchors, 0.2, 7, Path.of("q.tsv"));
        HeldoutSplit c = HeldoutSplit.of(anchors, 200, 8, Path.of("q.tsv"));
        assertArrayEquals(a.heldout(), b.heldout());
        assertEquals(200, a.heldout().length);
        assertEquals(800, a.training().length);
        assertEquals(200, c.heldout().length);
        assertFalse(Arrays.equals(a.heldout(), c.heldout()), "another seed holds out other anchors");
        for (int h : a.heldout()) {
            assertTrue(Arrays.binarySearch(anchors, h) >= 0);
            assertTrue(Arrays.stream(a.training()).noneMatch(t -> t == h), "held out and trained on: " + h);
        }
        assertThrows(dev.quarry.QuarryUsageException.class, () -> HeldoutSplit.of(anchors, 1000, 7, Path.of("q.tsv")));
    }

    @Test
    void heldOutQueriesThatAreTrainingAnchorsAreRefusedNamingTheFirst() throws IOException {
        Path heldout = dir.resolve("heldout.tsv");
        Files.writeString(heldout, "q7\td12\t1\nq3\td5\t1\n");
        QuarryDataException e = assertThrows(QuarryDataException.class,
                () -> new TuneRun(KERNELS).run(request(2, heldout, null, "x"), null));
        assertTrue(e.getMessage().startsWith(heldout + ": anchor id=q3, expected held-out anchors that are not"
                + " training anchors"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("x.options")));
    }

    @Test
    void aHeldOutSetWithNoPositiveInTheCorpusIsRefused() throws IOException {
        Path heldout = dir.resolve("heldout.tsv");
        Files.writeString(heldout, "q7\tnot-a-doc\t1\nq3\td5\t0\n");
        QuarryDataException e = assertThrows(QuarryDataException.class,
                () -> new TuneRun(KERNELS).run(request(2, heldout, null, "y"), null));
        assertTrue(e.getMessage().startsWith(heldout + ": positives in the corpus=0 of 2 pairs"), e.getMessage());
    }
}
