package io.proxyless.mesh.runtime.routing;

import io.proxyless.mesh.api.HTTPFaultInjection;
import io.proxyless.mesh.api.Percent;
import io.proxyless.mesh.runtime.model.FaultInjection;
import java.time.Duration;

/**
 * A route's compiled fault injection. Percentages are in [0, 100]; an unset percentage means 0% (Istio/Envoy:
 * nothing is delayed or aborted), the deprecated integer {@code percent} is honoured when set.
 *
 * @param delay           fixed delay, or null
 * @param delayPercentage share of requests delayed
 * @param httpStatus      abort HTTP status, or null
 * @param grpcStatus      abort gRPC status code name, or null
 * @param abortPercentage share of requests aborted (null abort → 0)
 */
public record FaultPolicy(Duration delay, double delayPercentage, Integer httpStatus, String grpcStatus,
                          double abortPercentage) {

    static FaultPolicy from(HTTPFaultInjection fault) {
        if (fault == null) {
            return null;
        }
        Duration delay = null;
        double delayPct = 0;
        if (fault.delay() != null && fault.delay().fixedDelay() != null) {
            delay = fault.delay().fixedDelay();
            delayPct = percentage(fault.delay().percentage(), fault.delay().percent());
        }
        Integer http = null;
        String grpc = null;
        double abortPct = 0;
        if (fault.abort() != null) {
            http = fault.abort().httpStatus();
            grpc = fault.abort().grpcStatus();
            abortPct = percentage(fault.abort().percentage(), null);
        }
        return new FaultPolicy(delay, delayPct, http, grpc, abortPct);
    }

    /** The fault of a route of the route model (Envoy's fault filter config), or null when it has none. */
    static FaultPolicy from(FaultInjection fault) {
        if (fault == null) {
            return null;
        }
        return new FaultPolicy(fault.delay(), fault.delayPercentage(), fault.httpStatus(),
                fault.grpcStatus() == null ? null : ModelTranslation.grpcCodeName(fault.grpcStatus()),
                fault.abortPercentage());
    }

    private static double percentage(Percent percentage, Integer deprecatedPercent) {
        if (percentage != null && percentage.value() != null) {
            return percentage.value();
        }
        return deprecatedPercent == null ? 0 : deprecatedPercent;
    }

    public boolean hasDelay() {
        return delay != null;
    }

    public boolean hasAbort() {
        return httpStatus != null || grpcStatus != null;
    }
}
