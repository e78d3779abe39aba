package io.proxyless.mesh.runtime.call;

import java.io.IOException;

/**
 * A call the mesh failed on purpose, as the sidecar would have answered it with an error: it names the host the
 * application called, the VirtualService route that applied and why. {@link #status()} is the HTTP status the
 * sidecar would have sent instead. One hierarchy for every HTTP client the mesh serves: OkHttp's
 * {@code Call.execute} throws it (and {@code Callback.onFailure} gets it); the JDK's {@code HttpClient.send} throws
 * it and {@code sendAsync} completes exceptionally with it. Adapters create them; applications catch them.
 *
 * <pre>{@code
 * try (Response r = client.newCall(request).execute()) {
 *     ...
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

    /** For adapters: a failure of a call to {@code host} under {@code route} (null: the default route). */
    public MeshException(String host, String route, int status, String reason, Throwable cause) {
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
