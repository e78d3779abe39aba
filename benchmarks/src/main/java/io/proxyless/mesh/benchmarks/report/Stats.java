package io.proxyless.mesh.benchmarks.report;

import java.util.List;

/**
 * Mean and spread of a measured quantity over iterations. The spread is reported as half the range between the
 * lowest and the highest iteration (with three iterations a confidence interval would say little).
 */
record Stats(double mean, double min, double max, int n) {
    static final Stats NONE = new Stats(Double.NaN, Double.NaN, Double.NaN, 0);

    static Stats of(List<Double> values) {
        List<Double> v = values.stream().filter(d -> d != null && !d.isNaN()).toList();
        if (v.isEmpty()) {
            return NONE;
        }
        double sum = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double d : v) {
            sum += d;
            min = Math.min(min, d);
            max = Math.max(max, d);
        }
        return new Stats(sum / v.size(), min, max, v.size());
    }

    boolean present() {
        return n > 0;
    }

    /** Half the range, in percent of the mean. */
    double spreadPercent() {
        return mean == 0 ? 0 : (max - min) / 2 / Math.abs(mean) * 100;
    }
}
