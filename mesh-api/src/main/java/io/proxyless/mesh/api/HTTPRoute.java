package io.proxyless.mesh.api;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Istio {@code HTTPRoute}: one HTTP/1.1, HTTP/2 or gRPC routing rule. A request matches when any of
 * {@link #match()} matches (or when it is empty); it is then sent to {@link #route()}, redirected, answered
 * directly or handed to a {@link #delegate()} (validation checks that only one of these is used).
 *
 * <pre>{@code
 * HTTPRoute canary = HTTPRoute.of(
 *                 List.of(HTTPMatchRequest.ofUri(StringMatch.prefix("/api"))),
 *                 List.of(HTTPRouteDestination.of(Destination.of("api", "v1"), 90),
 *                         HTTPRouteDestination.of(Destination.of("api", "v2"), 10)))
 *         .withTimeout(Duration.ofSeconds(2));
 * }</pre>
 *
 * @param name             name of the route, used in logs, dumps and explanations
 * @param match            conditions, ORed; a route without any matches everything
 * @param route            weighted destinations for matching requests
 * @param redirect         answer with a redirect instead of forwarding
 * @param directResponse   answer with a fixed response instead of forwarding
 * @param delegate         take the routes from another VirtualService
 * @param rewrite          path/authority rewrite before forwarding
 * @param timeout          overall timeout of the request, retries included; none when unset
 * @param retries          retry policy; Istio's default policy applies when unset
 * @param fault            delays and aborts to inject, for testing resilience
 * @param mirror           send a copy of each request to this destination as well (fire and forget)
 * @param mirrors          several mirror destinations, each with its own percentage
 * @param mirrorPercent    integer form of {@link #mirrorPercentage()}, deprecated by Istio
 * @param mirrorPercentage share of requests copied to {@link #mirror()}; 100% when unset
 * @param corsPolicy       Cross-Origin Resource Sharing policy
 * @param headers          header changes for request and response
 */
public record HTTPRoute(
        String name,
        List<HTTPMatchRequest> match,
        List<HTTPRouteDestination> route,
        HTTPRedirect redirect,
        HTTPDirectResponse directResponse,
        Delegate delegate,
        HTTPRewrite rewrite,
        Duration timeout,
        HTTPRetry retries,
        HTTPFaultInjection fault,
        Destination mirror,
        List<HTTPMirrorPolicy> mirrors,
        @DeprecatedField("mirrorPercentage")
        Integer mirrorPercent,
        Percent mirrorPercentage,
        @NotSupported("CORS is enforced by the server and the browser, not by an outbound client")
        CorsPolicy corsPolicy,
        Headers headers) {

    public HTTPRoute {
        match = Immutables.list(match);
        route = Immutables.list(route);
        mirrors = Immutables.list(mirrors);
    }

    /** A route with only matches and destinations. */
    public static HTTPRoute of(List<HTTPMatchRequest> match, List<HTTPRouteDestination> route) {
        return new HTTPRoute(null, match, route, null, null, null, null, null, null, null, null, List.of(), null,
                null, null, null);
    }

    /** A catch-all route (no match) to the given destinations. */
    public static HTTPRoute routeTo(HTTPRouteDestination... route) {
        return of(List.of(), Arrays.asList(route));
    }

    // Copy-with helpers: the record has many components, and tests usually vary one or two of them.

    public HTTPRoute withName(String newName) {
        return new HTTPRoute(newName, match, route, redirect, directResponse, delegate, rewrite, timeout, retries,
                fault, mirror, mirrors, mirrorPercent, mirrorPercentage, corsPolicy, headers);
    }

    public HTTPRoute withTimeout(Duration newTimeout) {
        return new HTTPRoute(name, match, route, redirect, directResponse, delegate, rewrite, newTimeout, retries,
                fault, mirror, mirrors, mirrorPercent, mirrorPercentage, corsPolicy, headers);
    }

    public HTTPRoute withRetries(HTTPRetry newRetries) {
        return new HTTPRoute(name, match, route, redirect, directResponse, delegate, rewrite, timeout, newRetries,
                fault, mirror, mirrors, mirrorPercent, mirrorPercentage, corsPolicy, headers);
    }

    public HTTPRoute withFault(HTTPFaultInjection newFault) {
        return new HTTPRoute(name, match, route, redirect, directResponse, delegate, rewrite, timeout, retries,
                newFault, mirror, mirrors, mirrorPercent, mirrorPercentage, corsPolicy, headers);
    }

    public HTTPRoute withRewrite(HTTPRewrite newRewrite) {
        return new HTTPRoute(name, match, route, redirect, directResponse, delegate, newRewrite, timeout, retries,
                fault, mirror, mirrors, mirrorPercent, mirrorPercentage, corsPolicy, headers);
    }

    public HTTPRoute withMirror(Destination newMirror, Percent newMirrorPercentage) {
        return new HTTPRoute(name, match, route, redirect, directResponse, delegate, rewrite, timeout, retries,
                fault, newMirror, mirrors, mirrorPercent, newMirrorPercentage, corsPolicy, headers);
    }

    public HTTPRoute withHeaders(Headers newHeaders) {
        return new HTTPRoute(name, match, route, redirect, directResponse, delegate, rewrite, timeout, retries,
                fault, mirror, mirrors, mirrorPercent, mirrorPercentage, corsPolicy, newHeaders);
    }
}
