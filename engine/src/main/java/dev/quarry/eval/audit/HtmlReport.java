package dev.quarry.eval.audit;

import dev.quarry.eval.EvalResult;
import dev.quarry.files.AtomicOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;

/**
 * The audit as one self-contained HTML file: inline CSS, inline SVG charts (scores of positives vs
 * negatives, ranks of negatives, negatives per anchor, recall vs nprobe when an evaluation is given),
 * the findings and the review verdict. No external resource, so it opens anywhere; a few lines of
 * script check that every chart drew a visible mark (a bar of non-zero height, or a line) and then
 * mark {@code <body data-rendered="yes">}, or log a console error: what the browser check reads back.
 * Charts without data are not drawn (a sentence says why).
 */
public final class HtmlReport {
    private static final int W = 640;
    private static final int H = 220;
    private static final int PAD = 36;

    private HtmlReport() {
    }

    /** Writes the report. */
    public static void write(Path file, AuditReport r, ReviewSheet.Estimate review, List<EvalResult> eval) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>Quarry audit: ")
                .append(esc(Path.of(r.file()).getFileName().toString())).append("</title>\n<style>\n")
                .append("body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1000px}")
                .append("h1{font-size:22px}h2{font-size:17px;margin-top:28px}")
                .append("table{border-collapse:collapse}td,th{padding:3px 10px;border-bottom:1px solid #ddd;")
                .append("text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}")
                .append(".warn{color:#b00020;font-weight:600}.ok{color:#1b5e20;font-weight:600}")
                .append("svg{background:#fafafa;border:1px solid #e0e0e0}.legend span{margin-right:14px}")
                .append("\n</style></head>\n<body data-rendered=\"no\">\n");
        h.append("<h1>Audit of ").append(esc(r.file())).append("</h1>\n");
        h.append("<table>\n");
        row(h, "format", r.format().cliName());
        row(h, "anchors", String.format(Locale.ROOT, "%,d", r.anchors()));
        row(h, "negatives", String.format(Locale.ROOT, "%,d", r.negatives()));
        row(h, "negatives listed twice for an anchor", String.format(Locale.ROOT, "%,d", r.repeatedNegatives()));
        row(h, "negatives that are a positive of their anchor", String.format(Locale.ROOT, "%,d",
                r.negativesEqualToPositive()));
        row(h, "negatives scoring at or above their positive", r.scoresKnown() ? String.format(Locale.ROOT,
                "%,d (in %,d anchors)", r.atOrAbovePositive(), r.anchorsAtOrAbovePositive()) : "no scores");
        row(h, "negatives that are known positives", r.knownPositiveOverlap() < 0 ? "not checked"
                : String.format(Locale.ROOT, "%,d", r.knownPositiveOverlap()));
        row(h, "anchors flagged as likely wrong labels", String.format(Locale.ROOT, "%,d (positive more than %.2f "
                + "below the median negative)", r.flagged().size(), r.noiseMargin()));
        if (r.noiseCheck() != null) {
            row(h, "flag vs planted label noise", r.noiseCheck().describe());
        }
        h.append("</table>\n");
        if (review != null) {
            boolean pass = review.verdict().startsWith("PASS");
            h.append("<h2>Review</h2>\n<p class=\"").append(pass ? "ok" : "warn").append("\">")
                    .append(esc(review.describe())).append("</p>\n");
        }
        h.append("<h2>Scores: positives and negatives</h2>\n");
        if (r.scoresKnown()) {
            h.append("<p class=\"legend\"><span style=\"color:#1565c0\">&#9632; positives</span>")
                    .append("<span style=\"color:#e65100\">&#9632; negatives</span></p>\n");
            bars(h, "scores", r.positiveHistogram(), r.negativeHistogram(), "score");
        } else {
            h.append("<p>The file carries no scores (mine with --output-scores, or audit with --corpus).</p>\n");
        }
        h.append("<h2>Ranks: negatives").append(r.positiveRankHistogram() == null ? "" : " and positives")
                .append("</h2>\n");
        if (r.rankHistogram() != null) {
            if (r.positiveRankHistogram() != null) {
                h.append("<p class=\"legend\"><span style=\"color:#1565c0\">&#9632; positives (rows other than "
                        + "positives scoring above them)</span><span style=\"color:#e65100\">&#9632; negatives</span>"
                        + "</p>\n");
            }
            bars(h, "ranks", r.positiveRankHistogram(), r.rankHistogram(), "rank");
        } else {
            h.append("<p>The file carries no ranks (mine with --output-ranks, or audit with --corpus).</p>\n");
        }
        h.append("<h2>Negatives per anchor</h2>\n");
        if (r.perAnchor().total() > 0) {
            bars(h, "per-anchor", null, r.perAnchor(), "negatives");
        } else {
            h.append("<p>The set lists no anchor.</p>\n");
        }
        if (eval != null && eval.stream().anyMatch(e -> e.nprobe() > 0)) {
            h.append("<h2>Recall against nprobe</h2>\n<p>Solid: IVF search at each nprobe; dashed: exact search."
                    + "</p>\n");
            recall(h, eval);
        }
        h.append("<script>\n")
                .append("document.addEventListener('DOMContentLoaded', function () {\n")
                .append("  var charts = document.querySelectorAll('svg.chart');\n")
                .append("  var empty = Array.prototype.filter.call(charts, function (c) {\n")
                .append("    var marks = Array.prototype.filter.call(c.querySelectorAll('rect.bar'), function (b) {")
                .append(" return b.getBBox().height > 0; });\n")
                .append("    return marks.length === 0 && c.querySelectorAll('polyline').length === 0; });\n")
                .append("  if (empty.length > 0) { console.error('empty charts: ' + empty.length); return; }\n")
                .append("  document.body.setAttribute('data-rendered', 'yes');\n")
                .append("});\n</script>\n</body></html>\n");
        try (AtomicOutput out = AtomicOutput.create(file)) {
            ByteBuffer bytes = ByteBuffer.wrap(h.toString().getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                out.channel().write(bytes);
            }
            out.commit();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static void row(StringBuilder h, String name, String value) {
        h.append("<tr><th>").append(esc(name)).append("</th><td class=\"n\">").append(esc(value)).append("</td></tr>\n");
    }

    /** A bar chart of {@code main}, with {@code back} drawn behind it in another colour (same bins). */
    private static void bars(StringBuilder h, String id, Histogram back, Histogram main, String axis) {
        long max = Math.max(1, Math.max(main.max(), back == null ? 0 : back.max()));
        int bins = main.counts().length;
        double bw = (double) (W - 2 * PAD) / bins;
        h.append(String.format(Locale.ROOT, "<svg class=\"chart\" id=\"%s\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s histogram\">%n", id, W, H, W, H, axis));
        for (int pass = 0; pass < 2; pass++) {
            Histogram hist = pass == 0 ? back : main;
            if (hist == null) {
                continue;
            }
            String colour = pass == 0 ? "#1565c0" : "#e65100";
            for (int b = 0; b < bins; b++) {
                double bh = (H - 2 * PAD) * (double) hist.counts()[b] / max;
                h.append(String.format(Locale.ROOT, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                                + "height=\"%.1f\" fill=\"%s\" fill-opacity=\"%s\"><title>%s: %,d</title></rect>%n",
                        PAD + b * bw + 1, H - PAD - bh, Math.max(1, bw - 2), bh, colour, back == null ? "0.85" : "0.6",
                        esc(axis + " " + hist.range(b)), hist.counts()[b]));
            }
        }
        boolean beyond = main.above() > 0 || back != null && back.above() > 0;
        if (main.whole() && bins <= 25) {
            // Few whole-number bins: a label under each.
            for (int b = 0; b < bins; b++) {
                String label = (b == bins - 1 && beyond ? "\u2265" : "") + main.number(main.edge(b));
                h.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" "
                        + "text-anchor=\"middle\">%s</text>%n", PAD + (b + 0.5) * bw, H - PAD + 14, esc(label)));
            }
            axes(h, "", "", axis, Long.toString(max));
        } else {
            String high = beyond ? "\u2265" + main.number(main.edge(bins - 1)) : main.number(main.hi());
            axes(h, main.number(main.lo()), high, axis, Long.toString(max));
        }
        h.append("</svg>\n");
    }

    private static void recall(StringBuilder h, List<EvalResult> eval) {
        List<EvalResult> points = eval.stream().filter(e -> e.nprobe() > 0)
                .sorted((a, b) -> Integer.compare(a.nprobe(), b.nprobe())).toList();
        EvalResult exact = eval.stream().filter(e -> e.nprobe() == 0 && e.label().equals("flat")).findFirst()
                .orElse(null);
        EvalResult first = points.getFirst();
        // The y axis starts at the tenth below the lowest recall, so that differences near 1 stay visible.
        double lowest = 1;
        for (EvalResult p : eval) {
            for (double r : p.recall()) {
                lowest = Math.min(lowest, r);
            }
        }
        double yLo = Math.max(0, Math.floor(lowest * 10 - 1e-9) / 10);
        double maxLog = Math.log(points.getLast().nprobe());
        DoubleUnaryOperator x = nprobe -> PAD + (maxLog == 0 ? 0 : (W - 2 * PAD) * Math.log(nprobe) / maxLog);
        DoubleUnaryOperator y = recall -> H - PAD - (H - 2 * PAD) * (recall - yLo) / (1 - yLo);
        h.append(String.format(Locale.ROOT, "<svg class=\"chart\" id=\"recall\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"recall against nprobe\">%n", W, H, W, H));
        String[] colours = {"#6a1b9a", "#00838f", "#2e7d32", "#ad1457"};
        for (int k = 0; k < first.ks().length; k++) {
            String colour = colours[k % colours.length];
            StringBuilder line = new StringBuilder();
            for (EvalResult p : points) {
                line.append(String.format(Locale.ROOT, "%.1f,%.1f ", x.applyAsDouble(p.nprobe()),
                        y.applyAsDouble(p.recall()[k])));
            }
            h.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                    + "points=\"%s\"><title>recall@%d</title></polyline>%n", colour, line.toString().strip(),
                    first.ks()[k]));
            for (EvalResult p : points) {
                h.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>"
                                + "nprobe %d: recall@%d %.4f</title></circle>%n", x.applyAsDouble(p.nprobe()),
                        y.applyAsDouble(p.recall()[k]), colour, p.nprobe(), first.ks()[k], p.recall()[k]));
            }
            if (exact != null && k < exact.ks().length) {
                // Exact search is the ceiling the sweep approaches.
                double ey = y.applyAsDouble(exact.recall()[k]);
                h.append(String.format(Locale.ROOT, "<line class=\"exact\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" "
                                + "y2=\"%.1f\" stroke=\"%s\" stroke-dasharray=\"4 3\"><title>exact recall@%d: %.4f"
                                + "</title></line>%n", PAD, ey, W - PAD, ey, colour, exact.ks()[k], exact.recall()[k]));
            }
            h.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"%s\">recall@%d"
                    + "</text>%n", W - PAD - 70, H - PAD - 10 - 14 * k, colour, first.ks()[k]));
        }
        for (EvalResult p : points) {
            h.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">"
                    + "%d</text>%n", x.applyAsDouble(p.nprobe()), H - PAD + 14, p.nprobe()));
        }
        axes(h, "", "", "nprobe (log scale)", "1.0");
        h.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">%.1f"
                + "</text>%n", PAD - 4, H - PAD, yLo));
        h.append("</svg>\n");
    }

    private static void axes(StringBuilder h, String xLow, String xHigh, String xLabel, String yTop) {
        h.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#555\"/>%n", PAD,
                H - PAD, W - PAD, H - PAD));
        h.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#555\"/>%n", PAD,
                PAD, PAD, H - PAD));
        h.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>%n", PAD, H - PAD + 14,
                esc(xLow)));
        h.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">%s</text>%n",
                W - PAD, H - PAD + 14, esc(xHigh)));
        h.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>%n",
                W / 2, H - 6, esc(xLabel)));
        h.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">%s</text>%n",
                PAD - 4, PAD + 4, esc(yTop)));
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
