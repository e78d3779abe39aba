package io.proxyless.mesh.runtime.model;

/**
 * Envoy's default-priority circuit-breaker thresholds of a cluster (Istio's {@code connectionPool} limits).
 * Envoy's defaults are 1024 each; Istio raises unset ones to "unlimited" ({@link Integer#MAX_VALUE}).
 *
 * @param maxConnections     most connections to the cluster
 * @param maxPendingRequests most requests waiting for a connection
 * @param maxRequests        most requests in flight
 * @param maxRetries         most retries in flight
 */
public record CircuitBreakers(int maxConnections, int maxPendingRequests, int maxRequests, int maxRetries) {

    /** Istio's sidecar defaults: no limit. */
    public static final CircuitBreakers DEFAULT = new CircuitBreakers(Integer.MAX_VALUE, Integer.MAX_VALUE,
            Integer.MAX_VALUE, Integer.MAX_VALUE);

    public CircuitBreakers {
        if (maxConnections < 1 || maxPendingRequests < 1 || maxRequests < 1 || maxRetries < 0) {
            throw new IllegalArgumentException("circuit-breaker thresholds must be positive");
        }
    }

    public static CircuitBreakers of(int maxConnections, int maxPendingRequests, int maxRequests, int maxRetries) {
        return new CircuitBreakers(maxConnections, maxPendingRequests, maxRequests, maxRetries);
    }
}
