package dev.quarry.spark;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamWriteFeature;
import dev.quarry.QuarryDataException;
import dev.quarry.files.AtomicOutput;
import dev.quarry.index.VectorIndex;
import dev.quarry.index.flat.FlatIndex;
import dev.quarry.index.ivf.IvfBuilder;
import dev.quarry.index.ivf.IvfIndex;
import dev.quarry.index.ivf.KMeansParams;
import dev.quarry.options.CommandSetting;
import dev.quarry.options.CommandSettingError;
import dev.quarry.store.QvecWriter;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.VectorKernels;
import dev.quarry.vector.VectorKernelsProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * A corpus split into shards for the sharded placement: a directory of {@code shard-NNNNN.qvec} files, each
 * holding a contiguous range of the corpus rows (row {@code from + i} of the corpus is row {@code i} of the
 * shard, the same bytes), each with its own {@code shard-NNNNN.qivf} when built with IVF, and
 * {@code shards.json}, which records the corpus (rows, dim, content checksum) it was cut from so a layout of
 * another corpus is refused. Ranges are contiguous so a shard's local ordinal maps back to the corpus by
 * one addition, and ties between shards break by corpus ordinal exactly as on one machine.
 *
 * @param dir the layout's directory
 * @param corpusRows rows of the corpus the shards were cut from
 * @param dim its dimension
 * @param checksum its content checksum (hex)
 * @param shards each shard's range and files
 */
record ShardLayout(Path dir, long corpusRows, int dim, String checksum, List<Entry> shards) {
    static final String MANIFEST = "shards.json";
    private static final JsonFactory JSON = JsonFactory.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build();

    /** One shard: corpus rows {@code [from, to)}, its store and its IVF index (null: flat). */
    record Entry(long from, long to, String store, String ivf) implements Serializable {
    }

    /** Whether {@code dir} holds a layout. */
    static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(MANIFEST));
    }

    /** Whether any shard has an IVF index (blocks are then cut for IVF). */
    boolean ivf() {
        return shards.stream().anyMatch(e -> e.ivf() != null);
    }

    /** Fails unless the layout was cut from {@code corpus} (same rows, same content). */
    void requireCutFrom(VectorStore corpus, String corpusChecksum) {
        if (corpusRows != corpus.count() || dim != corpus.dim() || !checksum.equals(corpusChecksum)) {
            throw new QuarryDataException(dir.resolve(MANIFEST), "corpus", corpusRows + " x " + dim + " rows, checksum "
                    + checksum, "the corpus of this run (" + corpus.path() + ": " + corpus.count() + " x " + corpus.dim()
                    + ", checksum " + corpusChecksum + "); cut the shards again into another directory");
        }
    }

    /** Opens shard {@code s}: its store and its index (IVF when it has one, flat otherwise). */
    WorkerInputs.Shard open(int s, VectorKernels kernels) {
        Entry e = shards.get(s);
        VectorStore store = VectorStore.open(dir.resolve(e.store()));
        if (store.count() != e.to() - e.from() || store.dim() != dim) {
            store.close();
            throw new QuarryDataException(dir.resolve(e.store()), "rows", store.count() + " x " + store.dim(),
                    (e.to() - e.from()) + " x " + dim + " as " + MANIFEST + " records");
        }
        VectorIndex index = e.ivf() == null ? new FlatIndex(store, kernels)
                : IvfIndex.open(dir.resolve(e.ivf()), store, kernels);
        return new WorkerInputs.Shard(s, e.from(), e.to(), store, index);
    }

    /**
     * Cuts {@code corpus} into {@code count} shards of (nearly) equal row ranges in {@code dir} (created if
     * needed), and when {@code nlist > 0} builds an IVF index per shard, the shards' indexes in parallel as
     * Spark tasks when {@code spark} is given. Each file is written to a temp name and renamed; the manifest
     * last, so a killed build leaves no layout that could be used.
     */
    static ShardLayout build(VectorStore corpus, String corpusChecksum, int count, int nlist, Path dir,
                             JavaSparkContext spark, PrintWriter progress) {
        if (count < 1 || count > corpus.count()) {
            throw new CommandSettingError(CommandSetting.SHARD_COUNT, count, "1 <= shards <= the corpus rows ("
                    + corpus.count() + ")");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new QuarryDataException(dir, "shards", "cannot be created (" + e.getMessage() + ")",
                    "a directory that can be written", e);
        }
        List<Entry> entries = new ArrayList<>();
        float[] buffer = new float[corpus.dim() * 1024];
        for (int s = 0; s < count; s++) {
            long from = corpus.count() * s / count;
            long to = corpus.count() * (s + 1) / count;
            String name = String.format(Locale.ROOT, "shard-%05d", s);
            try (QvecWriter writer = QvecWriter.create(dir.resolve(name + ".qvec"), corpus.dim())) {
                for (long row = from; row < to; row += 1024) {
                    int rows = (int) Math.min(1024, to - row);
                    for (int r = 0; r < rows; r++) {
                        MemorySegment.copy(corpus.segment(), ValueLayout.JAVA_FLOAT_UNALIGNED, corpus.rowOffset(row + r),
                                buffer, r * corpus.dim(), corpus.dim());
                    }
                    corpus.scanned(row, rows); // the corpus's checksum, summed as its rows are copied
                    writer.write(buffer, 0, rows);
                }
                if (s == count - 1) {
                    corpus.checkRows(); // before the last shard is published: every shard holds the corpus's rows
                }
                writer.finish(corpus.normalized());
            }
            entries.add(new Entry(from, to, name + ".qvec", nlist > 0 ? name + ".qivf" : null));
            if (progress != null) {
                progress.printf(Locale.ROOT, "spark-mine: shard %d of %d: rows [%d, %d)%n", s + 1, count, from, to);
                progress.flush();
            }
        }
        ShardLayout layout = new ShardLayout(dir, corpus.count(), corpus.dim(), corpusChecksum, List.copyOf(entries));
        if (nlist > 0) {
            List<Integer> numbers = new ArrayList<>();
            for (int s = 0; s < count; s++) {
                numbers.add(s);
            }
            String where = dir.toAbsolutePath().toString(); // a Path does not serialize: tasks get a string
            if (spark != null) {
                spark.parallelize(numbers, count).foreach(s -> buildIvf(where, entries.get(s), nlist));
            } else {
                numbers.forEach(s -> buildIvf(where, entries.get(s), nlist));
            }
        }
        layout.writeManifest();
        return layout;
    }

    /** Trains and writes shard {@code e}'s IVF index in {@code dir} (on the executor that runs it, all its cores). */
    private static void buildIvf(String dir, Entry e, int nlist) {
        VectorKernels kernels = VectorKernelsProvider.get();
        try (VectorStore store = VectorStore.open(Path.of(dir, e.store()))) {
            int lists = (int) Math.min(nlist, store.count());
            KMeansParams params = KMeansParams.defaults(lists, IvfBuilder.unitNorm(store, kernels),
                    Runtime.getRuntime().availableProcessors());
            new IvfBuilder(kernels).build(store, params, Path.of(dir, e.ivf()), null);
        }
    }

    private void writeManifest() {
        try (AtomicOutput out = AtomicOutput.create(dir.resolve(MANIFEST))) {
            OutputStream stream = Channels.newOutputStream(out.channel());
            try (JsonGenerator g = JSON.createGenerator(stream, JsonEncoding.UTF8)) {
                g.useDefaultPrettyPrinter();
                g.writeStartObject();
                g.writeNumberField("corpus_rows", corpusRows);
                g.writeNumberField("dim", dim);
                g.writeStringField("checksum", checksum);
                g.writeArrayFieldStart("shards");
                for (Entry e : shards) {
                    g.writeStartObject();
                    g.writeNumberField("from", e.from());
                    g.writeNumberField("to", e.to());
                    g.writeStringField("store", e.store());
                    if (e.ivf() != null) {
                        g.writeStringField("ivf", e.ivf());
                    }
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            out.commit();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(MANIFEST), e);
        }
    }

    /** Reads the layout in {@code dir}. */
    static ShardLayout read(Path dir) {
        Path file = dir.resolve(MANIFEST);
        long rows = -1;
        int dim = -1;
        String checksum = null;
        List<Entry> entries = new ArrayList<>();
        try (JsonParser p = JSON.createParser(file.toFile())) {
            expect(p.nextToken() == JsonToken.START_OBJECT, file, "an object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "corpus_rows" -> rows = p.getLongValue();
                    case "dim" -> dim = p.getIntValue();
                    case "checksum" -> checksum = p.getText();
                    case "shards" -> {
                        expect(value == JsonToken.START_ARRAY, file, "shards as an array");
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            entries.add(entry(p, file));
                        }
                    }
                    default -> p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new QuarryDataException(file, "shards", "unreadable (" + e.getMessage() + ")",
                    "a shard layout written by quarry spark-mine", e);
        }
        expect(rows >= 0 && dim > 0 && checksum != null && !entries.isEmpty(), file,
                "corpus_rows, dim, checksum and at least one shard");
        long next = 0;
        for (Entry e : entries) {
            expect(e.from() == next && e.to() > e.from(), file, "shards covering the rows in order, without gaps");
            next = e.to();
        }
        expect(next == rows, file, "shards covering every row of the corpus");
        return new ShardLayout(dir, rows, dim, checksum, List.copyOf(entries));
    }

    private static Entry entry(JsonParser p, Path file) throws IOException {
        long from = -1;
        long to = -1;
        String store = null;
        String ivf = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "from" -> from = p.getLongValue();
                case "to" -> to = p.getLongValue();
                case "store" -> store = p.getText();
                case "ivf" -> ivf = p.getText();
                default -> p.skipChildren();
            }
        }
        expect(store != null && !store.contains("/") && (ivf == null || !ivf.contains("/")), file,
                "shard files named inside the layout's directory");
        return new Entry(from, to, store, ivf);
    }

    private static void expect(boolean ok, Path file, String expected) {
        if (!ok) {
            throw new QuarryDataException(file, "shards", "malformed", expected);
        }
    }
}
