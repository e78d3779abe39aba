package io.proxyless.mesh.runtime.routing;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * A parsed query string; only built for requests whose candidate routes match on {@code queryParams}. Envoy
 * matches the first value of a parameter, URL-decoded.
 */
final class QueryParameters {
    private static final QueryParameters EMPTY = new QueryParameters(Map.of());

    private final Map<String, String> first;

    private QueryParameters(Map<String, String> first) {
        this.first = first;
    }

    static QueryParameters parse(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return EMPTY;
        }
        Map<String, String> values = new HashMap<>();
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            values.putIfAbsent(name, value);
        }
        return new QueryParameters(values);
    }

    String get(String name) {
        return first.get(name);
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s; // a malformed escape is matched as written rather than failing the request
        }
    }
}
