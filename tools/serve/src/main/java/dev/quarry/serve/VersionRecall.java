package dev.quarry.serve;

/**
 * Exact held-out figures of one index version: flat search of the held-out queries over the version's
 * corpus, as {@code quarry eval} computes them.
 *
 * @param version the index version
 * @param recallAt10 mean recall@10
 * @param recallAt100 mean recall@100
 * @param ndcgAt10 mean nDCG@10
 * @param queries held-out queries with a relevant document
 * @param qrels the held-out qrels file evaluated
 * @param seconds how long the evaluation took
 * @param best the best recall@10 of the versions before, or NaN for the first
 * @param drop whether recall@10 fell more than the allowed drop below {@code best}
 */
record VersionRecall(long version, double recallAt10, double recallAt100, double ndcgAt10, long queries, String qrels,
                     double seconds, double best, boolean drop) {
}
