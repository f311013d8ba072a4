package dev.quarry.index.flat;

import dev.quarry.index.VectorIndex;
import dev.quarry.index.VectorIndexContract;
import dev.quarry.store.VectorStore;
import dev.quarry.vector.VectorKernelsProvider;

/** The flat index against the shared index suite. */
class FlatIndexTest extends VectorIndexContract {
    @Override
    protected VectorIndex create(VectorStore store) {
        return new FlatIndex(store, VectorKernelsProvider.get());
    }
}
