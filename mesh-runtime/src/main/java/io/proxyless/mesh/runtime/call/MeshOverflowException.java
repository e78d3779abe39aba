package io.proxyless.mesh.runtime.call;

import io.proxyless.mesh.runtime.health.ConnectionPool;

/**
 * The cluster's circuit breaker refused the call: a DestinationRule {@code connectionPool} limit is reached
 * (Envoy answers 503 with {@code x-envoy-overloaded: true}, response flag UO). Failing fast is the point: the
 * call was not sent, so it is safe to retry later.
 */
public final class MeshOverflowException extends MeshException {
    private final String cluster;
    private final ConnectionPool.Overflow overflow;

    public MeshOverflowException(String host, String route, String cluster, ConnectionPool.Overflow overflow) {
        super(host, route, 503, "circuit breaker open: connectionPool." + overflow.istioField() + " of cluster "
                + cluster + " reached (Envoy " + overflow.envoyStat() + ")", null);
        this.cluster = cluster;
        this.overflow = overflow;
    }

    /** The cluster whose limit was reached. */
    public String cluster() {
        return cluster;
    }

    /** Which limit refused the call. */
    public ConnectionPool.Overflow overflow() {
        return overflow;
    }
}
