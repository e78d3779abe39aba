package io.proxyless.mesh.jdkhttp;

import java.io.IOException;

/**
 * A call the mesh failed on purpose, as the sidecar would have answered it with an error: it names the host the
 * application called, the VirtualService route that applied and why. {@link #status()} is the HTTP status the
 * sidecar would have sent instead. {@link java.net.http.HttpClient#send} throws it;
 * {@link java.net.http.HttpClient#sendAsync} completes exceptionally with it.
 *
 * <pre>{@code
 * try {
 *     client.send(request, BodyHandlers.ofString());
 * } catch (MeshOverflowException e) {
 *     // circuit breaker open for e.host(): back off
 * } catch (MeshException e) {
 *     log.warn("mesh refused {} via {}: {}", e.host(), e.route(), e.reason());
 * }
 * }</pre>
 */
public class MeshException extends IOException {
    private final String host;
    private final String route;
    private final String reason;
    private final int status;

    MeshException(String host, String route, int status, String reason, Throwable cause) {
        super(reason + " [host " + host + ", route " + (route == null ? "(default)" : route) + "]", cause);
        this.host = host;
        this.route = route;
        this.reason = reason;
        this.status = status;
    }

    /** The host the application called, fully qualified as the mesh knows it. */
    public String host() {
        return host;
    }

    /** The route that applied, e.g. {@code default/reviews http[0] (jason)}, or null for the default route. */
    public String route() {
        return route;
    }

    /** Why the call failed. */
    public String reason() {
        return reason;
    }

    /** The HTTP status a sidecar would have answered (404, 502, 503, 504…). */
    public int status() {
        return status;
    }
}
