package io.proxyless.mesh.api;

import java.time.Duration;
import java.util.List;

/**
 * Istio {@code TrafficPolicy}: how traffic to a service (or subset, or port) is balanced, limited, checked for
 * outliers and secured.
 *
 * @param loadBalancer      endpoint picking
 * @param connectionPool    connection and request limits (circuit breaking)
 * @param outlierDetection  ejection of failing endpoints
 * @param tls               TLS towards the endpoints
 * @param portLevelSettings per-port policies; an entry replaces the whole top-level policy for its port
 * @param tunnel            tunnelling of TCP traffic over HTTP CONNECT/POST
 * @param proxyProtocol     PROXY protocol header towards the endpoints
 * @param retryBudget       limit on concurrent retries relative to active requests
 */
public record TrafficPolicy(
        LoadBalancerSettings loadBalancer,
        ConnectionPoolSettings connectionPool,
        OutlierDetection outlierDetection,
        ClientTLSSettings tls,
        List<PortTrafficPolicy> portLevelSettings,
        @NotSupported("tunnelling applies to TCP/TLS routes, which an HTTP client does not carry")
        TunnelSettings tunnel,
        @NotSupported("the PROXY protocol header is written by a proxy in front of the connection; OkHttp and gRPC cannot send it")
        ProxyProtocol proxyProtocol,
        @NotSupported("retries are limited by attempts and connectionPool.http.maxRetries; a retry budget is not enforced")
        RetryBudget retryBudget) {

    public TrafficPolicy {
        portLevelSettings = Immutables.list(portLevelSettings);
    }

    /** A policy that sets load balancing only. */
    public static TrafficPolicy of(LoadBalancerSettings loadBalancer) {
        return new TrafficPolicy(loadBalancer, null, null, null, List.of(), null, null, null);
    }

    /** A policy with the four blocks that subsets and ports can override. */
    public static TrafficPolicy of(LoadBalancerSettings loadBalancer, ConnectionPoolSettings connectionPool,
                                   OutlierDetection outlierDetection, ClientTLSSettings tls) {
        return new TrafficPolicy(loadBalancer, connectionPool, outlierDetection, tls, List.of(), null, null, null);
    }

    /**
     * Istio {@code TrafficPolicy.PortTrafficPolicy}: the policy for one port of the service.
     *
     * @param port             the port this entry is for
     * @param loadBalancer     endpoint picking on this port
     * @param connectionPool   limits on this port
     * @param outlierDetection ejection on this port
     * @param tls              TLS on this port
     */
    public record PortTrafficPolicy(
            PortSelector port,
            LoadBalancerSettings loadBalancer,
            ConnectionPoolSettings connectionPool,
            OutlierDetection outlierDetection,
            ClientTLSSettings tls) {
    }

    /**
     * Istio {@code TrafficPolicy.TunnelSettings}.
     *
     * @param protocol   {@code CONNECT} (default) or {@code POST}
     * @param targetHost host the connection is tunnelled to; required
     * @param targetPort port the connection is tunnelled to; required
     */
    public record TunnelSettings(String protocol, String targetHost, Integer targetPort) {
    }

    /**
     * Istio {@code TrafficPolicy.ProxyProtocol}.
     *
     * @param version PROXY protocol version; {@code V1} when unset
     */
    public record ProxyProtocol(VERSION version) {

        /** Istio {@code TrafficPolicy.ProxyProtocol.VERSION} (the proto spells the enum in capitals). */
        public enum VERSION {
            /** Text header. */
            V1,
            /** Binary header. */
            V2
        }
    }

    /**
     * Istio {@code TrafficPolicy.RetryBudget}: retries allowed at once, as a share of active requests.
     *
     * @param percent             allowed concurrent retries as a percentage of active and pending requests; 20 when unset
     * @param minRetryConcurrency retries always allowed regardless of the percentage; 3 when unset
     * @param budgetInterval      window over which new requests count towards the budget; only active requests
     *                            count when unset or zero
     */
    public record RetryBudget(Double percent, Integer minRetryConcurrency, Duration budgetInterval) {
    }
}
