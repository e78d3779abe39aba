package io.proxyless.mesh.runtime.call;

/**
 * Every attempt the mesh made failed before a response: the endpoints refused the connection or reset it
 * (Envoy's "upstream connect error or disconnect/reset before headers", 503). It names the cluster, how many
 * attempts were made and the call's response flags ({@code UF} connection failure, {@code UC} reset, {@code URX}
 * retries exhausted); the last attempt's own exception (a {@link java.net.ConnectException}, say) is the cause.
 */
public final class MeshUpstreamException extends MeshException {
    private final String cluster;
    private final int attempts;
    private final String responseFlags;

    public MeshUpstreamException(String host, String route, String cluster, String endpoint, int attempts,
                          String responseFlags, Throwable cause) {
        super(host, route, 503, "upstream connect error or disconnect/reset before headers in cluster " + cluster
                + ": " + (cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName())
                + " (last endpoint " + endpoint + ", " + attempts + " attempt(s), response flags " + responseFlags
                + "; a sidecar answers 503)", cause);
        this.cluster = cluster;
        this.attempts = attempts;
        this.responseFlags = responseFlags;
    }

    /** The cluster of the last attempt, e.g. {@code outbound|9080|v1|reviews.default.svc.cluster.local}. */
    public String cluster() {
        return cluster;
    }

    /** How many attempts were sent (the first try and its retries). */
    public int attempts() {
        return attempts;
    }

    /** Envoy's response flags of the call, e.g. {@code UF,URX}. */
    public String responseFlags() {
        return responseFlags;
    }
}
