/**
 * The Java contenders of the side-by-side benchmark: Quarry's own indexes and its Java peers (Lucene's
 * and JVector's SIMD dot products, JVector's graph index, plain scalar Java), each run by
 * {@link dev.quarry.bench.peers.PeerRunner} with the same data, warm-up, timing and report format as
 * the FAISS harness, so the orchestrator can put them side by side. Peers are dependencies of the
 * bench module only; the engine never sees them.
 */
package dev.quarry.bench.peers;
