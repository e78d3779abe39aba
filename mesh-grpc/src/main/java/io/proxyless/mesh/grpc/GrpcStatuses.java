package io.proxyless.mesh.grpc;

import io.grpc.Status;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.call.DirectResponses;
import io.proxyless.mesh.runtime.call.FaultDecision;
import io.proxyless.mesh.runtime.call.Redirects;
import io.proxyless.mesh.runtime.health.ConnectionPool;
import io.proxyless.mesh.runtime.routing.Cluster;

/**
 * How mesh decisions become gRPC statuses. HTTP statuses that a sidecar would answer (404 no route, 502
 * REGISTRY_ONLY, 503 no healthy upstream, fault {@code httpStatus}) are mapped as Envoy maps them for gRPC
 * callers ({@code Grpc::Utility::httpToGrpcStatus}, which is also gRPC's own HTTP-to-gRPC table); every
 * description starts with {@code mesh:} and names the host, the route and the reason.
 */
final class GrpcStatuses {
    private GrpcStatuses() {
    }

    /** Envoy's HTTP → gRPC status mapping (and gRPC's doc/http-grpc-status-mapping.md). */
    static Status.Code fromHttp(int httpStatus) {
        return switch (httpStatus) {
            case 400 -> Status.Code.INTERNAL;
            case 401 -> Status.Code.UNAUTHENTICATED;
            case 403 -> Status.Code.PERMISSION_DENIED;
            case 404 -> Status.Code.UNIMPLEMENTED;
            case 429, 502, 503, 504 -> Status.Code.UNAVAILABLE;
            default -> Status.Code.UNKNOWN;
        };
    }

    /**
     * The status of a fault abort: {@code grpcStatus} as given (a name or number, read by mesh-runtime's
     * {@link FaultDecision#grpcCode()}), else {@code httpStatus} mapped as Envoy maps a local reply for a gRPC
     * caller.
     */
    static Status faultAbort(FaultDecision fault, RouteDecision decision) {
        String where = " (fault injection of " + routeName(decision) + ")";
        if (fault.grpcStatus() != null) {
            int code = fault.grpcCode();
            Status.Code c = code >= 0 && code < Status.Code.values().length
                    ? Status.fromCodeValue(code).getCode() : Status.Code.UNKNOWN;
            return Status.fromCode(c).withDescription("mesh: fault filter abort" + where);
        }
        return Status.fromCode(fromHttp(fault.httpStatus())).withDescription(
                "mesh: fault filter abort, HTTP " + fault.httpStatus() + where);
    }

    /** The status for a decision the mesh did not forward (reject, redirect, direct response). */
    static Status forUnforwarded(RouteDecision d, String fullMethod) {
        switch (d.action()) {
            case REJECT:
                return Status.fromCode(fromHttp(d.status())).withDescription("mesh: " + fullMethod + " to "
                        + d.host() + ":" + d.port() + " rejected (a sidecar answers HTTP " + d.status() + "): "
                        + d.reason());
            case REDIRECT:
                // A gRPC client cannot follow a redirect; through a sidecar it sees the 301/302 as an error.
                int code = Redirects.status(d);
                return Status.fromCode(fromHttp(code)).withDescription("mesh: route " + d.route() + " answers "
                        + fullMethod + " with an HTTP redirect (" + code + "), which gRPC cannot follow");
            case DIRECT_RESPONSE:
                int status = DirectResponses.status(d);
                return Status.fromCode(status == 200 ? Status.Code.UNKNOWN : fromHttp(status)).withDescription(
                        "mesh: route " + d.route() + " answers " + fullMethod + " with a direct response (HTTP "
                                + status + "), not a gRPC response");
            default:
                throw new IllegalArgumentException("forwarded: " + d);
        }
    }

    /** The status for a request refused by the destination's circuit breaker. */
    static Status overflow(Cluster cluster, ConnectionPool.Overflow overflow, RouteDecision d) {
        ConnectionPool.Limits l = cluster.pool().limits();
        long limit = switch (overflow) {
            case PENDING_REQUESTS -> l.maxPendingRequests();
            case MAX_REQUESTS -> l.maxRequests();
            case MAX_RETRIES -> l.maxRetries();
        };
        return Status.UNAVAILABLE.withDescription("mesh: circuit breaker open for " + cluster.key()
                + ": connectionPool " + overflow.istioField() + " limit " + limit + " reached (route "
                + routeName(d) + "; a sidecar answers 503 with x-envoy-overloaded)");
    }

    static String routeName(RouteDecision d) {
        return d.route() == null || d.route().isDefault() ? "default route of " + d.host() : d.route().toString();
    }
}
