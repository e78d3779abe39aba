package io.proxyless.mesh.benchmarks.report;

import java.util.List;

/**
 * Summary of a measured quantity over iterations (side by side: over rounds): mean, median and quartiles, and the
 * extremes. Tables show the median with half the interquartile range, which one noisy round does not move; the mean
 * and range remain for the CPU and allocation columns.
 */
record Stats(double mean, double min, double max, double median, double q1, double q3, int n) {
    static final Stats NONE = new Stats(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0);

    static Stats of(List<Double> values) {
        double[] v = values.stream().filter(d -> d != null && !d.isNaN()).mapToDouble(Double::doubleValue).sorted()
                .toArray();
        if (v.length == 0) {
            return NONE;
        }
        double sum = 0;
        for (double d : v) {
            sum += d;
        }
        return new Stats(sum / v.length, v[0], v[v.length - 1], quantile(v, 0.5), quantile(v, 0.25),
                quantile(v, 0.75), v.length);
    }

    /** Linear interpolation between the closest ranks of sorted values. */
    static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    boolean present() {
        return n > 0;
    }

    /** Half the range, in percent of the mean. */
    double spreadPercent() {
        return mean == 0 ? 0 : (max - min) / 2 / Math.abs(mean) * 100;
    }

    /** Half the interquartile range, in percent of the median. */
    double iqrPercent() {
        return median == 0 ? 0 : (q3 - q1) / 2 / Math.abs(median) * 100;
    }
}
