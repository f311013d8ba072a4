package dev.quarry.eval;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Mean retrieval metrics over the evaluated queries, for each K.
 *
 * @param label what was evaluated, e.g. {@code flat} or {@code ivf nprobe=16}
 * @param nprobe the nprobe of an IVF evaluation, 0 otherwise
 * @param ks the cut-offs
 * @param recall mean recall@K, per K
 * @param mrr mean MRR@K, per K
 * @param ndcg mean nDCG@K, per K
 * @param queries queries evaluated (with at least one relevant document)
 * @param queriesPerSecond search throughput (0 for run files)
 */
public record EvalResult(String label, int nprobe, int[] ks, double[] recall, double[] mrr, double[] ndcg, long queries,
                         double queriesPerSecond) {

    /** The header of {@link #print}'s table. */
    public static void printHeader(PrintWriter out) {
        out.printf(Locale.ROOT, "%-28s %6s %10s %10s %10s %12s%n", "", "k", "recall", "MRR", "nDCG", "queries/s");
    }

    /** Prints a table row per K (the search throughput on the first). */
    public void print(PrintWriter out) {
        for (int i = 0; i < ks.length; i++) {
            String rate = i > 0 || queriesPerSecond <= 0 ? "" : String.format(Locale.ROOT, "%,.0f", queriesPerSecond);
            out.printf(Locale.ROOT, "%-28s %6d %10.4f %10.4f %10.4f %12s%n", label, ks[i], recall[i], mrr[i], ndcg[i],
                    rate);
        }
    }

    /** Writes the result as a JSON object. */
    public void write(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("label", label);
        g.writeNumberField("nprobe", nprobe);
        g.writeNumberField("queries", queries);
        g.writeNumberField("queries_per_second", queriesPerSecond);
        g.writeArrayFieldStart("metrics");
        for (int i = 0; i < ks.length; i++) {
            g.writeStartObject();
            g.writeNumberField("k", ks[i]);
            g.writeNumberField("recall", recall[i]);
            g.writeNumberField("mrr", mrr[i]);
            g.writeNumberField("ndcg", ndcg[i]);
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }
}
