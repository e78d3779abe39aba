package io.proxyless.mesh.runtime.model;

import java.time.Duration;
import java.util.Set;
import java.util.Objects;

/**
 * Envoy's {@code OutlierDetection} of a cluster, the fields Istio's {@code outlierDetection} sets. A counter of
 * 0 turns that kind of detection off.
 *
 * @param consecutive5xx                 5xx (and, unless split, local-origin failures) before ejection
 * @param consecutiveGatewayFailure      502/503/504 (and local-origin failures) before ejection
 * @param consecutiveLocalOriginFailure  connect failures, timeouts, resets before ejection (split only)
 * @param splitExternalLocalOriginErrors count local-origin failures apart from HTTP statuses
 * @param interval                       time between ejection sweeps
 * @param baseEjectionTime               ejection time, multiplied by the number of ejections
 * @param maxEjectionPercent             most endpoints ejected at once, in percent
 * @param minHealthPercent               below this share of healthy endpoints, detection is suspended
 * @param maxEjectionTime                cap on an ejection's time, or null for Envoy's default (300 s, or the base
 *                                       ejection time when longer)
 * @param httpErrorCodes                 the statuses that count as errors instead of 5xx (the mesh's
 *                                       {@code outlierDetectionHttpErrorCodes}); empty: 5xx
 */
public record OutlierDetection(int consecutive5xx, int consecutiveGatewayFailure, int consecutiveLocalOriginFailure,
                               boolean splitExternalLocalOriginErrors, Duration interval, Duration baseEjectionTime,
                               int maxEjectionPercent, int minHealthPercent, Duration maxEjectionTime,
                               Set<Integer> httpErrorCodes) {

    /** Detection with Envoy's maximum ejection time, counting 5xx as errors. */
    public OutlierDetection(int consecutive5xx, int consecutiveGatewayFailure, int consecutiveLocalOriginFailure,
                            boolean splitExternalLocalOriginErrors, Duration interval, Duration baseEjectionTime,
                            int maxEjectionPercent, int minHealthPercent) {
        this(consecutive5xx, consecutiveGatewayFailure, consecutiveLocalOriginFailure, splitExternalLocalOriginErrors,
                interval, baseEjectionTime, maxEjectionPercent, minHealthPercent, null, Set.of());
    }

    public OutlierDetection {
        httpErrorCodes = httpErrorCodes == null ? Set.of() : Set.copyOf(httpErrorCodes);
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(baseEjectionTime, "baseEjectionTime");
        if (consecutive5xx < 0 || consecutiveGatewayFailure < 0 || consecutiveLocalOriginFailure < 0) {
            throw new IllegalArgumentException("outlier detection counters cannot be negative");
        }
        if (maxEjectionPercent < 0 || maxEjectionPercent > 100 || minHealthPercent < 0 || minHealthPercent > 100) {
            throw new IllegalArgumentException("outlier detection percentages must be in [0, 100]");
        }
    }

    /** Ejection after {@code consecutive5xx} errors; Envoy's 10% max ejection, Istio's 0% min health. */
    public static OutlierDetection consecutive5xx(int consecutive5xx, Duration interval, Duration baseEjectionTime) {
        return new OutlierDetection(consecutive5xx, 0, 0, false, interval, baseEjectionTime, 10, 0);
    }
}
