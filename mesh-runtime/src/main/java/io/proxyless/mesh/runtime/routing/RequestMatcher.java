package io.proxyless.mesh.runtime.routing;

import io.proxyless.mesh.api.HTTPMatchRequest;
import io.proxyless.mesh.api.StringMatch;
import io.proxyless.mesh.runtime.RouteRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One compiled {@code HTTPMatchRequest} block: all its conditions must hold (AND). Conditions that depend only
 * on who the client is ({@code sourceLabels}, {@code sourceNamespace}, {@code gateways}) are decided when the
 * snapshot is compiled, so a block either exists here or was dropped.
 */
final class RequestMatcher implements RouteMatcher {
    /** Matches every request: a route without {@code match}. */
    static final RequestMatcher ANY = new RequestMatcher(null, null, null, null, List.of(), List.of(), List.of(),
            null);

    private final StringMatcher uri;
    private final StringMatcher scheme;
    private final StringMatcher method;
    private final StringMatcher authority;
    private final List<Condition> headers;
    private final List<Condition> withoutHeaders;
    private final List<Condition> queryParams;
    private final Integer port;

    /** A named condition on one header or query parameter. */
    private record Condition(String name, StringMatcher matcher) {
    }

    private RequestMatcher(StringMatcher uri, StringMatcher scheme, StringMatcher method, StringMatcher authority,
                           List<Condition> headers, List<Condition> withoutHeaders, List<Condition> queryParams,
                           Integer port) {
        this.uri = uri;
        this.scheme = scheme;
        this.method = method;
        this.authority = authority;
        this.headers = headers;
        this.withoutHeaders = withoutHeaders;
        this.queryParams = queryParams;
        this.port = port;
    }

    static RequestMatcher compile(HTTPMatchRequest m) {
        boolean ignoreCase = Boolean.TRUE.equals(m.ignoreUriCase());
        return new RequestMatcher(
                m.uri() == null ? null : StringMatcher.of(m.uri(), ignoreCase),
                m.scheme() == null ? null : StringMatcher.of(m.scheme(), false),
                m.method() == null ? null : StringMatcher.of(m.method(), false),
                m.authority() == null ? null : StringMatcher.of(m.authority(), false),
                conditions(m.headers(), true),
                conditions(m.withoutHeaders(), true),
                conditions(m.queryParams(), false),
                m.port());
    }

    private static List<Condition> conditions(Map<String, StringMatch> matches, boolean lowerCaseNames) {
        List<Condition> out = new ArrayList<>(matches.size());
        matches.forEach((name, match) -> out.add(new Condition(
                lowerCaseNames ? name.toLowerCase(Locale.ROOT) : name, StringMatcher.of(match, false))));
        return List.copyOf(out);
    }

    /** True when this block matches {@code request}; {@code query} is the parsed query, or null if not needed. */
    @Override
    public boolean matches(RouteRequest request, QueryParameters query) {
        if (port != null && port != request.port()) {
            return false;
        }
        if (method != null && !method.matches(request.method())) {
            return false;
        }
        if (uri != null && !uri.matches(request.path())) {
            return false;
        }
        if (scheme != null && !scheme.matches(request.scheme())) {
            return false;
        }
        if (authority != null && !authority.matches(request.authority())) {
            return false;
        }
        for (int i = 0; i < headers.size(); i++) {
            Condition c = headers.get(i);
            String value = request.headers().get(c.name());
            if (value == null || !c.matcher().matches(value)) {
                return false;
            }
        }
        for (int i = 0; i < withoutHeaders.size(); i++) {
            // Envoy's invert_match: an absent header satisfies "without"; a present one must not match.
            Condition c = withoutHeaders.get(i);
            String value = request.headers().get(c.name());
            if (value != null && c.matcher().matches(value)) {
                return false;
            }
        }
        if (!queryParams.isEmpty()) {
            QueryParameters q = query != null ? query : QueryParameters.parse(request.query());
            for (int i = 0; i < queryParams.size(); i++) {
                Condition c = queryParams.get(i);
                String value = q.get(c.name());
                if (value == null || !c.matcher().matches(value)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** See {@link CompiledRoute#consumedPathLength}. */
    @Override
    public int consumedPathLength(String path) {
        if (uri instanceof StringMatcher.Prefix p) {
            return Math.min(p.prefix().length(), path.length());
        }
        if (uri instanceof StringMatcher.Exact || uri instanceof StringMatcher.Regex) {
            return path.length();
        }
        return 1;
    }

    /** True when the block needs the query string parsed. */
    @Override
    public boolean needsQuery() {
        return !queryParams.isEmpty();
    }

    /**
     * The block's conditions in one line, for dumps: {@code headers.end-user exact "jason" and uri prefix "/"};
     * {@code any request} for a block without conditions.
     */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        if (uri != null) {
            parts.add("uri " + describe(uri));
        }
        if (scheme != null) {
            parts.add("scheme " + describe(scheme));
        }
        if (method != null) {
            parts.add("method " + describe(method));
        }
        if (authority != null) {
            parts.add("authority " + describe(authority));
        }
        headers.forEach(c -> parts.add("headers." + c.name() + " " + describe(c.matcher())));
        withoutHeaders.forEach(c -> parts.add("withoutHeaders." + c.name() + " " + describe(c.matcher())));
        queryParams.forEach(c -> parts.add("queryParams." + c.name() + " " + describe(c.matcher())));
        if (port != null) {
            parts.add("port " + port);
        }
        return parts.isEmpty() ? "any request" : String.join(" and ", parts);
    }

    private static String describe(StringMatcher m) {
        if (m instanceof StringMatcher.Exact e) {
            return "exact " + quote(e.expected()) + (e.ignoreCase() ? " (ignoring case)" : "");
        }
        if (m instanceof StringMatcher.Prefix p) {
            return "prefix " + quote(p.prefix()) + (p.ignoreCase() ? " (ignoring case)" : "");
        }
        if (m instanceof StringMatcher.Regex r) {
            return "regex " + quote(r.pattern().pattern());
        }
        return "present";
    }

    private static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /**
     * A catch-all for the purpose of "routes after it never match": no conditions except {@code uri.prefix: /}
     * or {@code uri.regex: .*}.
     */
    @Override
    public boolean isCatchAll() {
        boolean uriMatchesAll = uri == null
                || (uri instanceof StringMatcher.Prefix p && p.prefix().equals("/"))
                || (uri instanceof StringMatcher.Regex r && r.pattern().pattern().equals(".*"));
        return uriMatchesAll && scheme == null && method == null && authority == null && headers.isEmpty()
                && withoutHeaders.isEmpty() && queryParams.isEmpty() && port == null;
    }
}
