package io.proxyless.mesh.runtime.routing;

import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.model.HeaderMatch;
import io.proxyless.mesh.runtime.model.PathMatch;
import io.proxyless.mesh.runtime.model.QueryParameterMatch;
import io.proxyless.mesh.runtime.model.RouteMatch;
import io.proxyless.mesh.runtime.model.StringMatch;
import java.util.ArrayList;
import java.util.List;

/**
 * An Envoy {@code RouteMatch} of the route model, run against requests: the path condition (the query string is
 * never part of the path), then header conditions (pseudo-headers {@code :authority}, {@code :method},
 * {@code :scheme} and {@code :path} read from the request line), then query-parameter conditions. The model's
 * values were checked and their regexes compiled when they were built, so nothing is compiled here.
 */
final class ModelRouteMatcher implements RouteMatcher {
    private final RouteMatch match;
    private final List<HeaderMatch> headers;
    private final List<QueryParameterMatch> queryParameters;

    private ModelRouteMatcher(RouteMatch match) {
        this.match = match;
        this.headers = match.headers();
        this.queryParameters = match.queryParameters();
    }

    static ModelRouteMatcher of(RouteMatch match) {
        return new ModelRouteMatcher(match);
    }

    @Override
    public boolean matches(RouteRequest request, QueryParameters query) {
        if (!pathMatches(match.path(), request.path())) {
            return false;
        }
        for (int i = 0; i < headers.size(); i++) {
            HeaderMatch h = headers.get(i);
            if (!h.matches(header(request, h.name()))) {
                return false;
            }
        }
        if (!queryParameters.isEmpty()) {
            QueryParameters q = query != null ? query : QueryParameters.parse(request.query());
            for (int i = 0; i < queryParameters.size(); i++) {
                QueryParameterMatch c = queryParameters.get(i);
                String value = q.get(c.name());
                if (value == null || (c.value() != null && !c.value().matches(value))) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean pathMatches(PathMatch path, String requestPath) {
        return switch (path.kind()) {
            case PREFIX -> requestPath.regionMatches(!path.caseSensitive(), 0, path.value(), 0, path.value().length());
            case EXACT -> path.caseSensitive() ? path.value().equals(requestPath)
                    : path.value().equalsIgnoreCase(requestPath);
            case REGEX -> path.pattern().matches(requestPath);
        };
    }

    /** A header's value; pseudo-headers come from the request line, as Envoy presents them to its matchers. */
    private static String header(RouteRequest request, String name) {
        if (!name.isEmpty() && name.charAt(0) == ':') {
            return switch (name) {
                case ":authority" -> request.authority();
                case ":method" -> request.method();
                case ":scheme" -> request.scheme();
                case ":path" -> request.query() == null ? request.path() : request.path() + "?" + request.query();
                default -> null;
            };
        }
        return request.headers().get(name);
    }

    @Override
    public int consumedPathLength(String path) {
        return switch (match.path().kind()) {
            case PREFIX -> Math.min(match.path().value().length(), path.length());
            case EXACT, REGEX -> path.length();
        };
    }

    @Override
    public boolean needsQuery() {
        return !queryParameters.isEmpty();
    }

    @Override
    public boolean isCatchAll() {
        return match.isCatchAll();
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        PathMatch path = match.path();
        if (!path.matchesEverything()) {
            parts.add("uri " + path.kind().name().toLowerCase(java.util.Locale.ROOT) + " " + quote(path.value())
                    + (path.caseSensitive() ? "" : " (ignoring case)"));
        }
        // In Istio's words: pseudo-headers are the match block's own fields, inverted headers its withoutHeaders.
        for (HeaderMatch h : headers) {
            String field = h.name().startsWith(":") && !h.invert() ? h.name().substring(1)
                    : (h.invert() ? "withoutHeaders." : "headers.") + h.name();
            parts.add(field + " " + describe(h.value()));
        }
        for (QueryParameterMatch q : queryParameters) {
            parts.add("queryParams." + q.name() + " " + describe(q.value()));
        }
        return parts.isEmpty() ? "any request" : String.join(" and ", parts);
    }

    private static String describe(StringMatch m) {
        if (m == null) {
            return "present";
        }
        return m.kind().name().toLowerCase(java.util.Locale.ROOT) + " " + quote(m.value())
                + (m.ignoreCase() ? " (ignoring case)" : "");
    }

    private static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
