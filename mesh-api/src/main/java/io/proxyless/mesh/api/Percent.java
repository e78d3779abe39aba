package io.proxyless.mesh.api;

/** Istio {@code Percent}: a percentage in [0.0, 100.0], e.g. {@code mirrorPercentage: {value: 50}}. */
public record Percent(Double value) {
    public static Percent of(double value) {
        return new Percent(value);
    }
}
