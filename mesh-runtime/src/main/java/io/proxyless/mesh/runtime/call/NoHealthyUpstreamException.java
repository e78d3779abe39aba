package io.proxyless.mesh.runtime.call;

/**
 * The destination cluster has no endpoint to send to: it has none, or outlier detection ejected them all
 * (Envoy's "no healthy upstream", 503).
 */
public final class NoHealthyUpstreamException extends MeshException {
    private final String cluster;

    public NoHealthyUpstreamException(String host, String route, String cluster, String reason) {
        super(host, route, 503, reason, null);
        this.cluster = cluster;
    }

    /** The cluster, e.g. {@code outbound|9080|v1|reviews.default.svc.cluster.local}. */
    public String cluster() {
        return cluster;
    }
}
