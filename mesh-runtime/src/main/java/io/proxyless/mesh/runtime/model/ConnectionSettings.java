package io.proxyless.mesh.runtime.model;

import java.time.Duration;
import java.util.Objects;

/**
 * How connections to a cluster's endpoints are made and kept (Istio's {@code connectionPool.tcp} and the idle and
 * keep-alive parts of {@code connectionPool.http}).
 *
 * @param connectTimeout       connect timeout (Istio's default 10 s)
 * @param idleTimeout          close connections idle this long (Istio's default 1 h), or null for never
 * @param http2KeepAliveInterval HTTP/2 PING interval, or null for none
 * @param http2KeepAliveTimeout  how long to wait for a PING's answer, or null
 * @param maxRequestsPerConnection requests a connection serves before it is closed, 0 for no limit (Envoy's
 *                               {@code max_requests_per_connection}; Istio's {@code http.maxRequestsPerConnection})
 * @param maxConnectionDuration  how long a connection lives at most, or null (Envoy's
 *                               {@code max_connection_duration}; Istio's {@code tcp.maxConnectionDuration})
 */
public record ConnectionSettings(Duration connectTimeout, Duration idleTimeout, Duration http2KeepAliveInterval,
                                 Duration http2KeepAliveTimeout, int maxRequestsPerConnection,
                                 Duration maxConnectionDuration) {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofHours(1);

    /** Istio's defaults. */
    public static final ConnectionSettings DEFAULT = new ConnectionSettings(DEFAULT_CONNECT_TIMEOUT,
            DEFAULT_IDLE_TIMEOUT, null, null);

    /** Settings without a per-connection request limit or lifetime. */
    public ConnectionSettings(Duration connectTimeout, Duration idleTimeout, Duration http2KeepAliveInterval,
                              Duration http2KeepAliveTimeout) {
        this(connectTimeout, idleTimeout, http2KeepAliveInterval, http2KeepAliveTimeout, 0, null);
    }

    public ConnectionSettings {
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connect timeout must be positive");
        }
        if (maxRequestsPerConnection < 0) {
            throw new IllegalArgumentException("max requests per connection cannot be negative");
        }
    }

    public static ConnectionSettings of(Duration connectTimeout, Duration idleTimeout) {
        return new ConnectionSettings(connectTimeout, idleTimeout, null, null);
    }

    public ConnectionSettings withHttp2KeepAlive(Duration interval, Duration timeout) {
        return new ConnectionSettings(connectTimeout, idleTimeout, interval, timeout, maxRequestsPerConnection,
                maxConnectionDuration);
    }

    /** The same settings with a per-connection request limit (0: none) and a connection lifetime (null: none). */
    public ConnectionSettings withConnectionLimits(int maxRequestsPerConnection, Duration maxConnectionDuration) {
        return new ConnectionSettings(connectTimeout, idleTimeout, http2KeepAliveInterval, http2KeepAliveTimeout,
                maxRequestsPerConnection, maxConnectionDuration);
    }
}
