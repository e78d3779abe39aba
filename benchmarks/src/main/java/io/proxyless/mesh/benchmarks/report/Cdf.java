package io.proxyless.mesh.benchmarks.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A latency CDF as a hand-written SVG: x is the latency on a log scale, y the fraction of requests at or below it on
 * a scale that opens up the tail (equal steps for 0.9, 0.99, 0.999, 0.9999: y = -log10(1 - fraction)), one line per
 * variant, with p50 and p99 marked and listed in the legend under the plot.
 */
final class Cdf {
    /** One line of the plot: a variant's latencies (ns, sorted ascending). */
    record Series(String name, long[] sorted) {
    }

    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"};
    private static final int W = 760;
    private static final int PLOT_H = 440;
    private static final double Y_MAX = 4; // -log10(1 - 0.9999)
    private static final int LEFT = 60;
    private static final int RIGHT = 20;
    private static final int TOP = 40;
    private static final int BOTTOM = 50;

    private Cdf() {
    }

    static String svg(String title, List<Series> series) {
        long lo = Long.MAX_VALUE;
        long hi = 1;
        for (Series s : series) {
            if (s.sorted().length > 0) {
                lo = Math.min(lo, Math.max(1_000, s.sorted()[0]));
                hi = Math.max(hi, s.sorted()[s.sorted().length - 1]);
            }
        }
        if (lo == Long.MAX_VALUE) {
            lo = 1_000;
        }
        double xMin = Math.floor(Math.log10(lo / 1000.0));
        double xMax = Math.ceil(Math.log10(Math.max(hi, lo * 10) / 1000.0));
        int H = PLOT_H + 22 * series.size() + 10;
        double pw = W - LEFT - RIGHT;
        double ph = PLOT_H - TOP - BOTTOM;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", W, H, W, H));
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\">%s</text>%n",
                LEFT, esc(title)));
        // grid: decades on x, 0..1 on y with the p50/p90/p99 lines
        for (double d = xMin; d <= xMax + 1e-9; d++) {
            double x = LEFT + (d - xMin) / (xMax - xMin) * pw;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>%n",
                    x, TOP, x, TOP + ph));
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>%n",
                    x, TOP + ph + 18, decade(d)));
        }
        String[] labels = {"0", "0.5", "0.9", "0.99", "0.999", "0.9999"};
        double[] qs = {0, 0.5, 0.9, 0.99, 0.999, 0.9999};
        for (int k = 0; k < qs.length; k++) {
            double y = y(qs[k], ph);
            String color = qs[k] == 0.5 || qs[k] == 0.99 ? "#bbb" : "#eee";
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>%n",
                    LEFT, y, LEFT + pw, y, color));
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
                    LEFT - 6, y + 4, labels[k]));
        }
        sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
                + "stroke=\"#333\"/>%n", LEFT, TOP, pw, ph));
        sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">latency (log scale)</text>%n",
                LEFT + pw / 2, PLOT_H - 14));
        sb.append(String.format(Locale.ROOT, "<text x=\"14\" y=\"%.1f\" transform=\"rotate(-90 14 %.1f)\" "
                + "text-anchor=\"middle\">fraction of requests ≤ latency</text>%n", TOP + ph / 2, TOP + ph / 2));
        int i = 0;
        for (Series s : series) {
            String color = COLORS[i % COLORS.length];
            long[] v = s.sorted();
            if (v.length == 0) {
                i++;
                continue;
            }
            StringBuilder pts = new StringBuilder();
            for (double q : quantiles()) {
                long ns = v[Math.min(v.length - 1, (int) Math.floor(q * (v.length - 1)))];
                double x = LEFT + (Math.log10(Math.max(ns, 1_000) / 1000.0) - xMin) / (xMax - xMin) * pw;
                double y = y(q, ph);
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            sb.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>%n",
                    color, pts.toString().trim()));
            long p50 = Report.percentile(v, 0.50);
            long p99 = Report.percentile(v, 0.99);
            for (double q : new double[] {0.5, 0.99}) {
                long ns = q == 0.5 ? p50 : p99;
                double x = LEFT + (Math.log10(Math.max(ns, 1_000) / 1000.0) - xMin) / (xMax - xMin) * pw;
                double y = y(q, ph);
                sb.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>%n", x, y,
                        color));
            }
            double ly = PLOT_H - 8 + i * 22;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                    + "stroke-width=\"3\"/>%n", LEFT + 12.0, ly + 12, LEFT + 32.0, ly + 12, color));
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\">%s  (p50 %s, p99 %s, n=%,d)</text>%n",
                    LEFT + 38.0, ly + 16, esc(s.name()), Report.micros(p50), Report.micros(p99), v.length));
            i++;
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    /** Screen y of fraction {@code q}: -log10(1 - q), so that 0.9, 0.99, 0.999 are equally spaced. */
    private static double y(double q, double ph) {
        double t = q >= 1 ? Y_MAX : Math.min(Y_MAX, -Math.log10(1 - q));
        return TOP + (1 - t / Y_MAX) * ph;
    }

    private static List<Double> quantiles() {
        List<Double> q = new ArrayList<>();
        for (double p = 0; p < 0.9; p += 0.005) {
            q.add(p);
        }
        for (double p = 0.9; p < 0.99; p += 0.001) {
            q.add(p);
        }
        for (double p = 0.99; p < 0.999; p += 0.0002) {
            q.add(p);
        }
        for (double p = 0.999; p < 0.9999; p += 0.00002) {
            q.add(p);
        }
        q.add(0.9999);
        return q;
    }

    private static String decade(double d) {
        double us = Math.pow(10, d);
        if (us < 1000) {
            return String.format(Locale.ROOT, "%.0f µs", us);
        }
        if (us < 1_000_000) {
            return String.format(Locale.ROOT, "%.0f ms", us / 1000);
        }
        return String.format(Locale.ROOT, "%.0f s", us / 1_000_000);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
