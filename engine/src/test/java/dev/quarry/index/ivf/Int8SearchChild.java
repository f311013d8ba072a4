package dev.quarry.index.ivf;

import dev.quarry.index.Exclusions;
import dev.quarry.index.SearchParams;
import dev.quarry.index.TopK;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.QueryBlock;
import dev.quarry.vector.VectorKernelsProvider;
import java.nio.file.Path;
import java.util.zip.CRC32;

/**
 * A child JVM for {@link IvfInt8PassesTest}: searches every query of a store in one call of an int8 index with
 * every probed row rescored, on two threads, and prints the {@link #digest} of the result.
 * Arguments: corpus store, index, query store, nprobe, k.
 */
final class Int8SearchChild {
    private Int8SearchChild() {
    }

    public static void main(String[] args) {
        try (VectorStore corpus = VectorStore.open(Path.of(args[0]));
             IvfIndex index = IvfIndex.open(Path.of(args[1]), corpus, VectorKernelsProvider.get());
             VectorStore queries = VectorStore.open(Path.of(args[2]))) {
            QueryBlock block = new QueryBlock((int) queries.count(), queries.dim());
            for (int i = 0; i < queries.count(); i++) {
                block.add(queries.segment(), queries.rowOffset(i));
            }
            SearchParams params = SearchParams.defaults().withNprobe(Integer.parseInt(args[3]))
                    .withOversample(Float.POSITIVE_INFINITY).withThreads(2);
            System.out.println(digest(index.search(block, Integer.parseInt(args[4]), Exclusions.NONE, params)));
        }
    }

    /** A checksum of every query's count, ids and score bits, in order. */
    static String digest(TopK top) {
        CRC32 crc = new CRC32();
        for (int q = 0; q < top.queries(); q++) {
            crc.update(top.count(q));
            for (int r = 0; r < top.count(q); r++) {
                crc.update(top.id(q, r));
                crc.update(Float.floatToIntBits(top.score(q, r)));
            }
        }
        return top.queries() + " queries, crc " + Long.toHexString(crc.getValue());
    }
}
