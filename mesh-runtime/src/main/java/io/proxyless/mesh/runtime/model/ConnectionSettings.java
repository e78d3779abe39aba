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
 */
public record ConnectionSettings(Duration connectTimeout, Duration idleTimeout, Duration http2KeepAliveInterval,
                                 Duration http2KeepAliveTimeout) {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofHours(1);

    /** Istio's defaults. */
    public static final ConnectionSettings DEFAULT = new ConnectionSettings(DEFAULT_CONNECT_TIMEOUT,
            DEFAULT_IDLE_TIMEOUT, null, null);

    public ConnectionSettings {
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connect timeout must be positive");
        }
    }

    public static ConnectionSettings of(Duration connectTimeout, Duration idleTimeout) {
        return new ConnectionSettings(connectTimeout, idleTimeout, null, null);
    }

    public ConnectionSettings withHttp2KeepAlive(Duration interval, Duration timeout) {
        return new ConnectionSettings(connectTimeout, idleTimeout, interval, timeout);
    }
}
