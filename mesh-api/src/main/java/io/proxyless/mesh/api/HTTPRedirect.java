package io.proxyless.mesh.api;

/**
 * Istio {@code HTTPRedirect}: answer the request with a redirect instead of forwarding it. Parts left unset are
 * taken from the original request. {@code port} and {@code derivePort} are alternatives.
 *
 * @param uri           replacement path (and query)
 * @param authority     replacement authority
 * @param port          fixed port for the redirect URL
 * @param derivePort    how to choose the port when {@code port} is unset
 * @param scheme        replacement scheme, e.g. {@code https}
 * @param redirectCode  status code of the redirect; 301 when unset
 * @param prefixRewrite replacement for the prefix matched by the route's {@code uri.prefix} match; the rest of
 *                      the path is kept. Mutually exclusive with {@code uri}.
 */
public record HTTPRedirect(
        String uri,
        String authority,
        Integer port,
        RedirectPortSelection derivePort,
        String scheme,
        Integer redirectCode,
        String prefixRewrite) {

    /** A redirect that replaces the path. */
    public static HTTPRedirect uri(String uri) {
        return new HTTPRedirect(uri, null, null, null, null, null, null);
    }

    /** Istio {@code HTTPRedirect.RedirectPortSelection}: how the redirect URL's port is chosen. */
    public enum RedirectPortSelection {
        /** 80 for http, 443 for https. */
        FROM_PROTOCOL_DEFAULT,
        /** The port the original request was sent to. */
        FROM_REQUEST_PORT
    }
}
