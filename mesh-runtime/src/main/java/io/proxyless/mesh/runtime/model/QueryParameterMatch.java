package io.proxyless.mesh.runtime.model;

import java.util.Objects;

/**
 * Envoy's {@code QueryParameterMatcher}: a condition on one query parameter; without a value match it asks only
 * for presence.
 *
 * @param name  parameter name (case-sensitive)
 * @param value the value condition, or null for "present"
 */
public record QueryParameterMatch(String name, StringMatch value) {
    public QueryParameterMatch {
        Objects.requireNonNull(name, "name");
    }

    public static QueryParameterMatch of(String name, StringMatch value) {
        return new QueryParameterMatch(name, value);
    }

    public static QueryParameterMatch present(String name) {
        return new QueryParameterMatch(name, null);
    }
}
