package io.proxyless.mesh.runtime.call;

import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.model.Redirect;

/**
 * The redirect a sidecar answers for a route's redirect (Istio's {@code HTTPRedirect}) (istiod's {@code ApplyRedirect} + Envoy's
 * {@code Http::Utility::newUri}).
 *
 * <ul>
 *   <li>status: {@code redirectCode}, 301 when unset; 301, 302, 303, 307 and 308 are supported (istiod drops a
 *       route with another code; here such a code falls back to 301);</li>
 *   <li>scheme: {@code scheme}, else the request's;</li>
 *   <li>port: {@code port}, or the request's port with {@code derivePort: FROM_REQUEST_PORT}; none with
 *       {@code FROM_PROTOCOL_DEFAULT} or unset; a port equal to the scheme's default is left out;</li>
 *   <li>host: {@code authority}, else the request's authority — without its port when a redirect port is set,
 *       or when the scheme changes and the request's port was its old scheme's default;</li>
 *   <li>path: {@code prefixRewrite} replaces the matched prefix (as {@link Rewrites} does), else {@code uri}
 *       replaces the path (the request's query is kept unless {@code uri} has its own), else the request's path
 *       and query.</li>
 * </ul>
 *
 * <pre>{@code
 * String location = Redirects.location(decision, request);
 * int status = Redirects.status(decision);
 * }</pre>
 */
public final class Redirects {
    private Redirects() {
    }

    /** The HTTP status of the decision's redirect. */
    public static int status(RouteDecision decision) {
        return decision.route().redirect().responseCode();
    }

    /** The {@code Location} for {@code request} under {@code decision}'s redirect. */
    public static String location(RouteDecision decision, RouteRequest request) {
        Redirect r = decision.route().redirect();
        int consumed = notEmpty(r.prefixRewrite()) ? decision.consumedPathLength(request.path()) : 0;
        return location(r, request.scheme(), request.authority(), request.port(), request.path(), request.query(),
                consumed);
    }

    /**
     * The {@code Location} for a request.
     *
     * @param scheme    the request's scheme
     * @param authority the request's authority (Host header)
     * @param port      the port the request was sent to
     * @param path      the request path without query
     * @param query     the raw query, or null
     * @param consumed  characters of {@code path} the matched route consumed (for {@code prefixRewrite})
     */
    public static String location(Redirect r, String scheme, String authority, int port, String path,
                                  String query, int consumed) {
        return location(r.scheme(), r.host(), r.port() == null ? 0 : r.port(), r.portFromRequest(),
                r.port() != null || r.portFromScheme() || r.portFromRequest(), r.path(), r.prefixRewrite(), scheme,
                authority, port, path, query, consumed);
    }

    /**
     * The {@code Location}: {@code toScheme}, {@code toHost}, {@code toPort} (0: none), {@code toPath} and
     * {@code prefixRewrite} as the redirect sets them; {@code portFromRequest} takes the request's port;
     * {@code portSet} says the redirect decides the port (a port, or where to take it from).
     */
    private static String location(String toScheme, String toHost, int toPort, boolean portFromRequest,
                                   boolean portSet, String toPath, String prefixRewrite, String scheme,
                                   String authority, int port, String path, String query, int consumed) {
        String finalScheme = notEmpty(toScheme) ? toScheme : scheme;
        int redirectPort = 0;
        if (toPort > 0) {
            redirectPort = toPort;
        } else if (portFromRequest) {
            redirectPort = port;
        }
        if (portSet) {
            // istiod leaves out a port that is the default of the redirect's scheme (a sidecar's listener is
            // plain HTTP, so an unset scheme counts as http here).
            String s = notEmpty(toScheme) ? toScheme : "http";
            if ((redirectPort == 80 && s.equals("http")) || (redirectPort == 443 && s.equals("https"))) {
                redirectPort = 0;
            }
        }
        String host = notEmpty(toHost) ? toHost : requestHost(authority, scheme, finalScheme, redirectPort != 0);
        String finalPath;
        if (notEmpty(prefixRewrite)) {
            finalPath = Rewrites.prefix(prefixRewrite, consumed, path, query);
        } else if (notEmpty(toPath)) {
            finalPath = toPath.indexOf('?') >= 0 ? toPath : Rewrites.withQuery(toPath, query);
        } else {
            finalPath = Rewrites.withQuery(path, query);
        }
        if (!finalPath.startsWith("/")) {
            finalPath = "/" + finalPath;
        }
        return finalScheme + "://" + host + (redirectPort != 0 ? ":" + redirectPort : "") + finalPath;
    }

    /** Envoy's processRequestHost: the request's authority, minus its port when that must not be carried over. */
    private static String requestHost(String authority, String requestScheme, String newScheme, boolean newPort) {
        int colon = authority.lastIndexOf(':');
        if (colon < 0 || authority.indexOf(']', colon) >= 0) {
            return authority;
        }
        String requestPort = authority.substring(colon + 1);
        boolean remove = newPort;
        if (!newScheme.equalsIgnoreCase(requestScheme)) {
            remove |= requestScheme.equalsIgnoreCase("https") && requestPort.equals("443");
            remove |= requestScheme.equalsIgnoreCase("http") && requestPort.equals("80");
        }
        return remove ? authority.substring(0, colon) : authority;
    }

    private static boolean notEmpty(String s) {
        return s != null && !s.isEmpty();
    }
}
