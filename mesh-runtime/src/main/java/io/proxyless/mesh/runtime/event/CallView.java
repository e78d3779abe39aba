package io.proxyless.mesh.runtime.event;

import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.RouteRequest;

/**
 * What a listener can see of one call through the mesh: the request, the route decision and, as the call goes
 * on, its attempts, flags and result. It carries what Istio's standard metrics and Envoy's access log need
 * (route, cluster, destination, endpoint, codes, flags, attempts, timing) without copying anything: a listener
 * that needs a value after the callback must read it then.
 */
public interface CallView {
    /** The request as the mesh routed it. */
    RouteRequest request();

    /** The application protocol, as Istio's {@code request_protocol} label: {@code http} or {@code grpc}. */
    String protocol();

    /** The route decision, or null before {@link MeshListener#routed}. */
    RouteDecision decision();

    /**
     * The route as logs name it, {@code namespace/name http[i] (route-name)}, or null when the default route was
     * taken (no VirtualService). Builds a string: call it off the hot path.
     */
    default String routeName() {
        RouteDecision d = decision();
        return d == null || d.route() == null || d.route().isDefault() ? null : d.route().toString();
    }

    /** Istio's cluster name ({@code outbound|PORT|SUBSET|HOST}), or null when not forwarded. */
    default String clusterKey() {
        RouteDecision d = decision();
        return d == null || d.cluster() == null ? null : d.cluster().key();
    }

    /** The latest attempt, or null before the first one. */
    AttemptView lastAttempt();

    /** Attempts started so far (1 + retries). */
    int attempts();

    /** Response flags so far ({@link ResponseFlag} bits; {@link ResponseFlag#format} renders them). */
    int responseFlags();

    /** How the call ended; {@link CallEnd#NONE} while it runs. */
    CallEnd end();

    /**
     * The HTTP status the caller got (for gRPC: the {@code :status} a sidecar would log, 200 for any status sent
     * in trailers), or 0 when none is known.
     */
    int responseCode();

    /** The gRPC status code the caller got, or -1 (not gRPC, or not over). */
    int grpcStatus();

    /** When the call started, wall clock ({@code MeshClock.currentTimeMillis}). */
    long startMillis();

    /** When the call started, on the mesh clock ({@code MeshClock.nanoTime}). */
    long startNanos();

    /** How long the call took, on the mesh clock; -1 while it runs. */
    long durationNanos();

    /** Request body bytes sent, or -1 when unknown. */
    long requestBytes();

    /** Response body bytes received, or -1 when unknown. */
    long responseBytes();

    /** Request messages sent on a gRPC stream (Istio's {@code istio_request_messages_total}), or -1: not gRPC. */
    default long requestMessages() {
        return -1;
    }

    /** Response messages received on a gRPC stream, or -1: not gRPC. */
    default long responseMessages() {
        return -1;
    }
}
