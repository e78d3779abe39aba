package io.proxyless.mesh.runtime.model;

import java.util.Locale;
import java.util.Objects;

/**
 * Envoy's {@code HeaderMatcher}: a condition on one header (or pseudo-header such as {@code :authority}).
 * Without a value match it asks only for presence. {@code invert} turns the result around, so an inverted
 * condition also holds when the header is absent (Istio's {@code withoutHeaders}).
 *
 * @param name   header name, lower-case
 * @param value  the value condition, or null for "present"
 * @param invert true to match when the condition does not hold
 */
public record HeaderMatch(String name, StringMatch value, boolean invert) {
    public HeaderMatch {
        Objects.requireNonNull(name, "name");
        name = name.toLowerCase(Locale.ROOT);
    }

    public static HeaderMatch of(String name, StringMatch value) {
        return new HeaderMatch(name, value, false);
    }

    public static HeaderMatch present(String name) {
        return new HeaderMatch(name, null, false);
    }

    /** The inverted condition (Istio's {@code withoutHeaders} entry). */
    public HeaderMatch inverted() {
        return new HeaderMatch(name, value, !invert);
    }

    /** True when the header's value ({@code null}: absent) satisfies this condition. */
    public boolean matches(String headerValue) {
        boolean holds = headerValue != null && (value == null || value.matches(headerValue));
        return holds != invert;
    }
}
