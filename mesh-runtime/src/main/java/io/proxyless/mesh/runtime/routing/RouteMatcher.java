package io.proxyless.mesh.runtime.routing;

import io.proxyless.mesh.runtime.RouteRequest;

/**
 * One compiled match condition of a route: an Envoy-shaped {@code RouteMatch} of the route model
 * ({@link ModelRouteMatcher}), whichever source wrote it. Compiled once per snapshot; matching only
 * reads it.
 */
interface RouteMatcher {

    /** True when the request matches; {@code query} is the parsed query, or null if not parsed yet. */
    boolean matches(RouteRequest request, QueryParameters query);

    /**
     * Characters of {@code path} this match consumed, as Envoy's prefix rewrite counts them: the prefix of a
     * prefix match, the whole path for exact and regex matches, and 1 otherwise.
     */
    int consumedPathLength(String path);

    /** True when matching needs the query string parsed. */
    boolean needsQuery();

    /** True when every request matches, so later routes are unreachable. */
    boolean isCatchAll();

    /** The conditions in one line, for dumps and {@code mesh route}. */
    @Override
    String toString();
}
