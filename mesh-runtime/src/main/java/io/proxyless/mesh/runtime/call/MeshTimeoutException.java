package io.proxyless.mesh.runtime.call;

import java.time.Duration;

/**
 * The route's {@code timeout} (the whole call, retries included) or, after the last try, its
 * {@code retries.perTryTimeout} expired. A sidecar answers 504 (response flag UT). A timeout the application set
 * on its own client or request (OkHttp's call timeout, a JDK {@code HttpRequest} timeout) stays the client's own
 * exception.
 */
public final class MeshTimeoutException extends MeshException {
    private final Duration timeout;
    private final boolean perTry;

    public MeshTimeoutException(String host, String route, Duration timeout, boolean perTry, Throwable cause) {
        super(host, route, 504, (perTry ? "per-try timeout " : "route timeout ") + format(timeout) + " expired",
                cause);
        this.timeout = timeout;
        this.perTry = perTry;
    }

    /** The timeout that expired. */
    public Duration timeout() {
        return timeout;
    }

    /** True for {@code perTryTimeout}, false for the route {@code timeout}. */
    public boolean perTry() {
        return perTry;
    }

    private static String format(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
