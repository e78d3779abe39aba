package io.proxyless.mesh.api;

import java.time.Duration;
import java.util.List;

/**
 * Istio {@code OutlierDetection}: endpoints that keep failing are ejected from load balancing for a while,
 * for longer each time they are ejected again.
 *
 * @param consecutiveErrors               old threshold that counted gateway errors (502/503/504); deprecated
 * @param splitExternalLocalOriginErrors  count local failures (connect errors, timeouts) separately from
 *                                        upstream status codes
 * @param consecutiveLocalOriginFailures  local failures before ejection, when split; 5 when unset
 * @param consecutiveGatewayErrors        502/503/504 (or connect failures) before ejection; off when unset or 0
 * @param consecutive5xxErrors            5xx (or connect failures) before ejection; 5 when unset, 0 disables
 * @param interval                        time between ejection sweeps; 10 s when unset
 * @param baseEjectionTime                ejection time, multiplied by the number of ejections; 30 s when unset
 * @param maxEjectionPercent              most endpoints that may be ejected, in percent; 10 when unset
 * @param minHealthPercent                below this share of healthy endpoints, ejection is suspended; 0 when unset
 * @param outlierDetectionHttpErrorCodes  status codes counted as errors instead of 5xx; 100..599
 */
public record OutlierDetection(
        @DeprecatedField("consecutiveGatewayErrors or consecutive5xxErrors")
        Integer consecutiveErrors,
        Boolean splitExternalLocalOriginErrors,
        Integer consecutiveLocalOriginFailures,
        Integer consecutiveGatewayErrors,
        Integer consecutive5xxErrors,
        Duration interval,
        Duration baseEjectionTime,
        Integer maxEjectionPercent,
        Integer minHealthPercent,
        List<Integer> outlierDetectionHttpErrorCodes) {

    public OutlierDetection {
        outlierDetectionHttpErrorCodes = Immutables.list(outlierDetectionHttpErrorCodes);
    }

    /** The common form: eject after {@code consecutive5xxErrors}, sweeping every {@code interval}. */
    public static OutlierDetection of(Integer consecutive5xxErrors, Duration interval, Duration baseEjectionTime,
                                      Integer maxEjectionPercent) {
        return new OutlierDetection(null, null, null, null, consecutive5xxErrors, interval, baseEjectionTime,
                maxEjectionPercent, null, List.of());
    }
}
