package io.proxyless.mesh.runtime.model;

import java.time.Duration;

/**
 * Envoy's HTTP fault filter config for one route: a fixed delay and/or an abort, each for a share of requests.
 * Percentages are 0–100; Istio's unset percentage is 0 (nothing injected).
 *
 * @param delay           fixed delay, or null
 * @param delayPercentage share of requests delayed
 * @param httpStatus      abort with this HTTP status, or null
 * @param grpcStatus      abort with this gRPC status code (numeric), or null
 * @param abortPercentage share of requests aborted
 */
public record FaultInjection(Duration delay, double delayPercentage, Integer httpStatus, Integer grpcStatus,
                             double abortPercentage) {
    public FaultInjection {
        if (delay == null && httpStatus == null && grpcStatus == null) {
            throw new IllegalArgumentException("HTTP fault injection must have an abort and/or a delay");
        }
        if (delay != null && delay.isNegative()) {
            throw new IllegalArgumentException("fault delay is negative");
        }
        check(delayPercentage);
        check(abortPercentage);
    }

    public static FaultInjection delay(Duration delay, double percentage) {
        return new FaultInjection(delay, percentage, null, null, 0);
    }

    public static FaultInjection abort(int httpStatus, double percentage) {
        return new FaultInjection(null, 0, httpStatus, null, percentage);
    }

    public static FaultInjection grpcAbort(int grpcStatus, double percentage) {
        return new FaultInjection(null, 0, null, grpcStatus, percentage);
    }

    /** This fault plus a delay. */
    public FaultInjection withDelay(Duration delay, double percentage) {
        return new FaultInjection(delay, percentage, httpStatus, grpcStatus, abortPercentage);
    }

    private static void check(double percentage) {
        if (!(percentage >= 0 && percentage <= 100)) {
            throw new IllegalArgumentException("percentage " + percentage + " is not in [0, 100]");
        }
    }
}
