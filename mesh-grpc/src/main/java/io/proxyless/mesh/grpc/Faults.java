package io.proxyless.mesh.grpc;

import io.grpc.Status;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.call.FaultDecision;

/**
 * Fault injection for one gRPC call: the draw is mesh-runtime's {@link FaultDecision} (Envoy's fault filter);
 * here the abort becomes a gRPC status — {@code grpcStatus} as given, {@code httpStatus} mapped as Envoy maps a
 * local reply's HTTP status for a gRPC caller.
 */
final class Faults {
    private Faults() {
    }

    /** The status of a fault abort: {@code grpcStatus} as given, else {@code httpStatus} mapped as Envoy maps it. */
    static Status abort(FaultDecision fault, RouteDecision decision) {
        String where = " (fault injection of " + GrpcStatuses.routeName(decision) + ")";
        if (fault.grpcStatus() != null) {
            int code = fault.grpcCode();
            Status.Code c = code >= 0 && code < Status.Code.values().length
                    ? Status.fromCodeValue(code).getCode() : Status.Code.UNKNOWN;
            return Status.fromCode(c).withDescription("mesh: fault filter abort" + where);
        }
        return Status.fromCode(GrpcStatuses.fromHttp(fault.httpStatus())).withDescription(
                "mesh: fault filter abort, HTTP " + fault.httpStatus() + where);
    }
}
