package io.proxyless.mesh.runtime.balancing;

import io.proxyless.mesh.api.LoadBalancerSettings;
import io.proxyless.mesh.api.WarmupConfiguration;
import java.time.Duration;

/**
 * Istio's warmup (Envoy slow start) in effect for a cluster: during {@code window} after an endpoint is first seen,
 * its weight is scaled by {@code max(minFraction, timeFactor^(1/aggression))}, where {@code timeFactor} is
 * {@code max(age, 1 s) / window}. Aggression 1 is a linear ramp.
 *
 * @param windowNanos  length of the warm-up window
 * @param minFraction  share of its weight a new endpoint starts with (Istio's {@code minimumPercent} / 100)
 * @param aggression   ramp shape; 1.0 is linear, higher ramps up faster
 */
record SlowStart(long windowNanos, double minFraction, double aggression) {

    private static final long ONE_SECOND = 1_000_000_000L;
    /** Envoy's and Istio's default {@code minimumPercent}. */
    private static final double DEFAULT_MIN_PERCENT = 10;

    /**
     * The warmup configured in {@code settings}, or null when there is none. {@code warmup} wins over the
     * deprecated {@code warmupDurationSecs}, which takes Envoy's defaults for the rest (10 %, linear), as Istio does.
     */
    static SlowStart from(LoadBalancerSettings settings) {
        if (settings == null) {
            return null;
        }
        WarmupConfiguration warmup = settings.warmup();
        if (warmup != null) {
            return of(warmup.duration(),
                    warmup.minimumPercent() == null ? DEFAULT_MIN_PERCENT : warmup.minimumPercent(),
                    warmup.aggression() == null ? 1.0 : warmup.aggression());
        }
        return of(settings.warmupDurationSecs(), DEFAULT_MIN_PERCENT, 1.0);
    }

    /** The slow start of an Envoy-shaped load-balancing policy, or null when it has none. */
    static SlowStart from(io.proxyless.mesh.runtime.model.LbPolicy.SlowStart slowStart) {
        return slowStart == null ? null
                : of(slowStart.window(), slowStart.minWeightPercent(), slowStart.aggression());
    }

    private static SlowStart of(Duration window, double minPercent, double aggression) {
        if (window == null || window.isNegative() || window.isZero()) {
            return null;
        }
        double minFraction = Math.max(0, Math.min(1, minPercent / 100));
        // Validation rejects aggression < 1; stay total anyway rather than divide by zero.
        double safeAggression = aggression > 0 ? aggression : 1.0;
        return new SlowStart(saturatedNanos(window), minFraction, safeAggression);
    }

    /** The factor (0, 1] to scale the weight of an endpoint {@code ageNanos} old. */
    double factor(long ageNanos) {
        if (ageNanos >= windowNanos) {
            return 1.0;
        }
        double timeFactor = Math.max(ageNanos, ONE_SECOND) / (double) windowNanos;
        if (timeFactor >= 1.0) {
            return 1.0;
        }
        double ramp = aggression == 1.0 ? timeFactor : Math.pow(timeFactor, 1.0 / aggression);
        // A factor of 0 would give the endpoint an infinite EDF deadline; keep a sliver of traffic.
        return Math.max(Math.max(minFraction, ramp), 1e-6);
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }
}
