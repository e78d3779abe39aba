package io.proxyless.mesh.api;

import java.time.Duration;

/**
 * Istio {@code ConnectionPoolSettings}: limits on connections and requests to each endpoint (circuit breaking)
 * and connection lifetimes.
 *
 * @param tcp settings shared by HTTP and TCP connections
 * @param http HTTP/1.1, HTTP/2 and gRPC settings
 */
public record ConnectionPoolSettings(TCPSettings tcp, HTTPSettings http) {

    public static ConnectionPoolSettings of(TCPSettings tcp, HTTPSettings http) {
        return new ConnectionPoolSettings(tcp, http);
    }

    /**
     * Istio {@code ConnectionPoolSettings.TCPSettings}.
     *
     * @param maxConnections        most connections to one endpoint
     * @param connectTimeout        connect timeout; 10 s when unset
     * @param tcpKeepalive          TCP keep-alive probes
     * @param maxConnectionDuration longest life of a connection; unlimited when unset
     * @param idleTimeout           close connections idle (no bytes) this long; 1 h when unset, 0 disables
     */
    public record TCPSettings(
            Integer maxConnections,
            Duration connectTimeout,
            @NotSupported("OkHttp and gRPC expose no per-socket keep-alive probe count and timings")
            TcpKeepalive tcpKeepalive,
            @NotSupported("neither OkHttp nor grpc-java can cap a client connection's lifetime")
            Duration maxConnectionDuration,
            Duration idleTimeout) {

        public static TCPSettings of(Integer maxConnections, Duration connectTimeout) {
            return new TCPSettings(maxConnections, connectTimeout, null, null, null);
        }

        /**
         * Istio {@code TCPSettings.TcpKeepalive}; the operating system's values apply to whatever is unset.
         *
         * @param probes   unanswered probes before the connection is dropped
         * @param time     idle time before the first probe
         * @param interval time between probes
         */
        public record TcpKeepalive(Integer probes, Duration time, Duration interval) {
        }
    }

    /**
     * Istio {@code ConnectionPoolSettings.HTTPSettings}.
     *
     * @param http1MaxPendingRequests  most requests waiting for a connection (HTTP/1.1 and HTTP/2)
     * @param http2MaxRequests         most active requests to the destination (HTTP/1.1 and HTTP/2)
     * @param maxRequestsPerConnection requests per connection before it is closed; 1 disables keep-alive,
     *                                 0 or unset means unlimited
     * @param maxRetries               most retries outstanding to the destination at once
     * @param idleTimeout              close connections with no active request for this long; 1 h when unset
     * @param h2UpgradePolicy          whether HTTP/1.1 connections are upgraded to HTTP/2
     * @param useClientProtocol        keep the caller's HTTP version towards the endpoint
     * @param maxConcurrentStreams     most concurrent streams on one HTTP/2 connection
     * @param http2KeepAlive           HTTP/2 PING keep-alive
     */
    public record HTTPSettings(
            Integer http1MaxPendingRequests,
            Integer http2MaxRequests,
            @NotSupported("neither OkHttp nor grpc-java can cap the requests a client connection carries")
            Integer maxRequestsPerConnection,
            Integer maxRetries,
            Duration idleTimeout,
            @NotSupported("a proxy's choice; the client's own HTTP version is what goes on the wire")
            H2UpgradePolicy h2UpgradePolicy,
            @NotSupported("there is no proxy between caller and endpoint, so the caller's protocol is always used")
            Boolean useClientProtocol,
            @NotSupported("streams per HTTP/2 connection are capped by the server's SETTINGS; OkHttp and gRPC have no client-side cap")
            Integer maxConcurrentStreams,
            ConnectionKeepalive http2KeepAlive) {

        /** Istio {@code HTTPSettings.H2UpgradePolicy}. */
        public enum H2UpgradePolicy {
            /** The mesh-wide default. */
            DEFAULT,
            /** Never upgrade. */
            DO_NOT_UPGRADE,
            /** Upgrade to HTTP/2. */
            UPGRADE
        }

        /**
         * Istio {@code HTTPSettings.ConnectionKeepalive}: HTTP/2 PING frames on idle connections.
         *
         * @param interval time between PINGs; required when the block is set
         * @param timeout  how long to wait for a PING's answer before closing the connection; required too
         */
        public record ConnectionKeepalive(Duration interval, Duration timeout) {
        }
    }
}
