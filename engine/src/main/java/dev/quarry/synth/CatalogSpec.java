package dev.quarry.synth;

/**
 * The shape of a synthetic catalog with planted ground truth.
 *
 * @param docs base documents (planted near-copies come on top)
 * @param anchors anchors (queries), each with one labelled positive
 * @param dim dimension
 * @param topics topic centres on the sphere; documents cluster around them
 * @param plantedFraction share of anchors whose positive gets unlabelled near-copies in the corpus
 * @param maxPlanted unlabelled copies per such anchor (1 to this many)
 * @param labelNoise share of anchors whose label points at a wrong document (the true positive stays unlabelled)
 * @param seed seed of everything
 */
public record CatalogSpec(int docs, int anchors, int dim, int topics, double plantedFraction, int maxPlanted,
                          double labelNoise, long seed) {
    public CatalogSpec {
        if (docs < 2 || anchors < 1 || dim < 2 || topics < 1 || topics > docs) {
            throw new IllegalArgumentException("docs=" + docs + " anchors=" + anchors + " dim=" + dim + " topics="
                    + topics + ", expected docs >= 2, anchors >= 1, dim >= 2, 1 <= topics <= docs");
        }
        if (plantedFraction < 0 || plantedFraction > 1 || labelNoise < 0 || labelNoise > 1 || maxPlanted < 1) {
            throw new IllegalArgumentException("planted-fraction=" + plantedFraction + " label-noise=" + labelNoise
                    + " max-planted=" + maxPlanted + ", expected fractions in [0, 1] and max-planted >= 1");
        }
    }

    /** The demo's catalog: 100,000 documents, 10,000 anchors, 128 dimensions, 1,000 topics. */
    public static CatalogSpec demo() {
        return new CatalogSpec(100_000, 10_000, 128, 1_000, 0.5, 8, 0.05, 7);
    }

    public CatalogSpec withSize(int newDocs, int newAnchors, int newDim) {
        return new CatalogSpec(newDocs, newAnchors, newDim, Math.max(1, Math.min(newDocs, newDocs / 100)),
                plantedFraction, maxPlanted, labelNoise, seed);
    }
}
