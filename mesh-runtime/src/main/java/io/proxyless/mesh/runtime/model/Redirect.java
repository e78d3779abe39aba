package io.proxyless.mesh.runtime.model;

/**
 * Envoy's {@code RedirectAction}: the client answers with a redirect instead of forwarding. Unset parts keep the
 * request's.
 *
 * @param scheme        new scheme, or null
 * @param host          new host (authority without port), or null
 * @param port          new port, or null (see {@code portFromScheme})
 * @param portFromScheme drop the port so the scheme's default applies (Istio's {@code FROM_PROTOCOL_DEFAULT})
 * @param portFromRequest keep the port the request was sent to (Istio's {@code FROM_REQUEST_PORT})
 * @param path          new path (may carry a query), or null
 * @param prefixRewrite replace the prefix the route consumed, or null
 * @param responseCode  301, 302, 303, 307 or 308
 */
public record Redirect(String scheme, String host, Integer port, boolean portFromScheme, boolean portFromRequest,
                       String path,
                       String prefixRewrite, int responseCode) implements Route.Action {
    public Redirect {
        if (path != null && prefixRewrite != null) {
            throw new IllegalArgumentException("a redirect rewrites the whole path or its prefix, not both");
        }
        if (responseCode != 301 && responseCode != 302 && responseCode != 303 && responseCode != 307
                && responseCode != 308) {
            throw new IllegalArgumentException("redirect code " + responseCode + " is not 301, 302, 303, 307 or 308");
        }
    }

    /** A 301 to {@code path} on the same host. */
    public static Redirect toPath(String path) {
        return new Redirect(null, null, null, false, false, path, null, 301);
    }

    public static Redirect of(String scheme, String host, Integer port, boolean portFromScheme, String path,
                              String prefixRewrite, int responseCode) {
        return new Redirect(scheme, host, port, portFromScheme, false, path, prefixRewrite, responseCode);
    }

    /** The same redirect, sending to the port the request was sent to unless it names a port itself. */
    public Redirect withPortFromRequest() {
        return new Redirect(scheme, host, port, false, true, path, prefixRewrite, responseCode);
    }
}
