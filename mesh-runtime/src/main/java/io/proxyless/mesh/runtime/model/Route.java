package io.proxyless.mesh.runtime.model;

import java.util.Objects;

/**
 * Envoy's {@code Route}: a match and what to do with the requests it matches.
 *
 * <pre>{@code
 * Route.forward("reviews-v2", RouteMatch.prefix("/"), RouteAction.forCluster("outbound|9080|v2|reviews..."))
 *      .withFault(FaultInjection.abort(503, 10.0));
 * }</pre>
 *
 * @param name            the route's name (Istio's {@code http[].name}), or null
 * @param match           which requests it takes
 * @param action          forward ({@link RouteAction}), {@link Redirect} or {@link DirectResponse}
 * @param requestHeaders  header changes on the request (route level)
 * @param responseHeaders header changes on the response (route level)
 * @param fault           fault injection (Envoy's per-route fault filter config), or null
 * @param origin          where it came from, e.g. {@code VirtualService default/reviews http[2]}, or null
 * @param virtualService  {@code namespace/name} of the Istio VirtualService the route was written from, or null
 *                        (istiod records it in the route's metadata)
 * @param httpIndex       the route's position in that VirtualService's {@code http} list (after delegates are
 *                        expanded), or -1
 */
public record Route(String name, RouteMatch match, Action action, HeaderMutation requestHeaders,
                    HeaderMutation responseHeaders, FaultInjection fault, String origin, String virtualService,
                    int httpIndex) {

    /** What a route does: exactly one of forward, redirect, direct response. */
    public sealed interface Action permits RouteAction, Redirect, DirectResponse {
    }

    public Route {
        Objects.requireNonNull(match, "match");
        Objects.requireNonNull(action, "action");
        requestHeaders = requestHeaders == null ? HeaderMutation.NONE : requestHeaders;
        responseHeaders = responseHeaders == null ? HeaderMutation.NONE : responseHeaders;
    }

    public static Route forward(String name, RouteMatch match, RouteAction action) {
        return new Route(name, match, action, null, null, null, null, null, -1);
    }

    public static Route redirect(String name, RouteMatch match, Redirect redirect) {
        return new Route(name, match, redirect, null, null, null, null, null, -1);
    }

    public static Route directResponse(String name, RouteMatch match, DirectResponse response) {
        return new Route(name, match, response, null, null, null, null, null, -1);
    }

    public Route withHeaders(HeaderMutation request, HeaderMutation response) {
        return new Route(name, match, action, request, response, fault, origin, virtualService, httpIndex);
    }

    public Route withFault(FaultInjection fault) {
        return new Route(name, match, action, requestHeaders, responseHeaders, fault, origin, virtualService,
                httpIndex);
    }

    public Route withOrigin(String origin) {
        return new Route(name, match, action, requestHeaders, responseHeaders, fault, origin, virtualService,
                httpIndex);
    }

    /** The route as written from {@code http[httpIndex]} of VirtualService {@code virtualService} (ns/name). */
    public Route withVirtualService(String virtualService, int httpIndex) {
        return new Route(name, match, action, requestHeaders, responseHeaders, fault, origin, virtualService,
                httpIndex);
    }

    /** The forwarding action, or null when the route redirects or answers itself. */
    public RouteAction routeAction() {
        return action instanceof RouteAction a ? a : null;
    }
}
