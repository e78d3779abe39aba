package io.proxyless.mesh.grpc;

import io.grpc.Status;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.call.FaultDecision;
import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Fault injection for one gRPC call: the draw is mesh-runtime's {@link FaultDecision} (Envoy's fault filter);
 * here the abort becomes a gRPC status — {@code grpcStatus} as given, {@code httpStatus} mapped as Envoy maps a
 * local reply's HTTP status for a gRPC caller.
 */
final class Faults {
    /** Nothing injected. */
    static final Decision NONE = new Decision(null, null);

    /**
     * @param delay delay before the call proceeds, or null
     * @param abort status to fail the call with (after the delay), or null
     */
    record Decision(Duration delay, Status abort) {
    }

    private Faults() {
    }

    static Decision decide(RouteDecision decision, RandomGenerator random) {
        FaultDecision fault = FaultDecision.decide(decision.fault(), random);
        if (fault == FaultDecision.NONE) {
            return NONE;
        }
        Status abort = null;
        if (fault.aborts()) {
            String where = " (fault injection of " + GrpcStatuses.routeName(decision) + ")";
            if (fault.grpcStatus() != null) {
                int code = fault.grpcCode();
                Status.Code c = code >= 0 && code < Status.Code.values().length
                        ? Status.fromCodeValue(code).getCode() : Status.Code.UNKNOWN;
                abort = Status.fromCode(c).withDescription("mesh: fault filter abort" + where);
            } else {
                abort = Status.fromCode(GrpcStatuses.fromHttp(fault.httpStatus())).withDescription(
                        "mesh: fault filter abort, HTTP " + fault.httpStatus() + where);
            }
        }
        return new Decision(fault.delays() ? fault.delay() : null, abort);
    }
}
