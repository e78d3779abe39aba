package io.proxyless.mesh.runtime.model;

import java.util.List;
import java.util.Objects;

/**
 * Envoy's {@code RouteMatch}: a path condition and header / query-parameter conditions, all of which must hold.
 * Istio's {@code authority}, {@code method} and {@code scheme} conditions are header conditions on
 * {@code :authority}, {@code :method} and {@code :scheme}, as istiod writes them; {@code withoutHeaders} are
 * inverted header conditions. An Istio match without {@code uri} is {@code prefix: /}.
 *
 * @param path            the path condition
 * @param headers         header conditions (names lower-case)
 * @param queryParameters query-parameter conditions
 */
public record RouteMatch(PathMatch path, List<HeaderMatch> headers, List<QueryParameterMatch> queryParameters) {
    public RouteMatch {
        Objects.requireNonNull(path, "path");
        headers = List.copyOf(headers);
        queryParameters = List.copyOf(queryParameters);
    }

    /** Every request whose path starts with {@code prefix}. */
    public static RouteMatch prefix(String prefix) {
        return new RouteMatch(PathMatch.prefix(prefix, true), List.of(), List.of());
    }

    public static RouteMatch of(PathMatch path, List<HeaderMatch> headers, List<QueryParameterMatch> query) {
        return new RouteMatch(path, headers, query);
    }

    /** True when every request matches: prefix {@code /} (or regex {@code .*}) and nothing else. */
    public boolean isCatchAll() {
        return headers.isEmpty() && queryParameters.isEmpty() && path.matchesEverything();
    }
}
