package io.proxyless.mesh.api;

/**
 * Istio {@code StringMatch}: exactly one of {@code exact}, {@code prefix} or {@code regex} (RE2, full match).
 * An empty match ({@code {}}) means "present" where Istio allows it (header and query parameter matches).
 */
public record StringMatch(String exact, String prefix, String regex) {
    public static StringMatch exact(String value) {
        return new StringMatch(value, null, null);
    }

    public static StringMatch prefix(String value) {
        return new StringMatch(null, value, null);
    }

    public static StringMatch regex(String value) {
        return new StringMatch(null, null, value);
    }

    /** True when no alternative is set: {@code {}}. */
    public boolean isEmpty() {
        return exact == null && prefix == null && regex == null;
    }
}
