package io.proxyless.mesh.grpc;

import io.proxyless.mesh.runtime.health.ConnectionPool;
import io.proxyless.mesh.runtime.routing.Cluster;
import java.time.Duration;

/**
 * The DestinationRule {@code connectionPool} settings that shape an endpoint's gRPC connection (the request
 * limits are the mesh's circuit breaker, not the connection's business).
 *
 * @param connectTimeoutMillis   {@code tcp.connectTimeout} (10 s by default)
 * @param idleTimeoutMillis      {@code http.idleTimeout}, else {@code tcp.idleTimeout}: the connection closes after
 *                               so long without calls (gRPC's channel idle timeout, at least 1 s); 0 = gRPC's
 *                               default
 * @param keepAliveTimeMillis    {@code http.http2KeepAlive.interval}: HTTP/2 PING interval; 0 = none
 * @param keepAliveTimeoutMillis {@code http.http2KeepAlive.timeout}: PING answer deadline; 0 = gRPC's default
 */
record ConnectionSettings(long connectTimeoutMillis, long idleTimeoutMillis, long keepAliveTimeMillis,
                          long keepAliveTimeoutMillis) {

    static ConnectionSettings of(Cluster cluster) {
        ConnectionPool.Limits limits = cluster.pool().limits();
        return new ConnectionSettings(millis(limits.connectTimeout()), millis(limits.idleTimeout()),
                millis(limits.http2KeepAliveInterval()), millis(limits.http2KeepAliveTimeout()));
    }

    private static long millis(Duration d) {
        return d == null ? 0 : Math.max(0, d.toMillis());
    }
}
