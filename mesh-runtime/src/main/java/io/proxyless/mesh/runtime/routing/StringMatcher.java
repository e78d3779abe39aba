package io.proxyless.mesh.runtime.routing;

import com.google.re2j.Pattern;
import io.proxyless.mesh.api.StringMatch;

/**
 * A compiled Istio {@code StringMatch}, with Envoy's semantics: {@code exact} compares the whole value,
 * {@code prefix} is a raw string prefix ({@code /foo} matches {@code /foobar}), {@code regex} is an RE2
 * <em>full</em> match. The regex is compiled once, when the config snapshot is compiled.
 */
public sealed interface StringMatcher {

    /** True when {@code value} (non-null) matches. */
    boolean matches(String value);

    /** Compiles {@code match}; {@code ignoreCase} applies to exact and prefix only, as in Istio's ignoreUriCase. */
    static StringMatcher of(StringMatch match, boolean ignoreCase) {
        if (match == null || match.isEmpty()) {
            return Present.INSTANCE;
        }
        if (match.exact() != null) {
            return new Exact(match.exact(), ignoreCase);
        }
        if (match.prefix() != null) {
            return new Prefix(match.prefix(), ignoreCase);
        }
        // Istio turns a header `regex: "*"` into a presence match (it is not a valid RE2 expression).
        if (match.regex().equals("*")) {
            return Present.INSTANCE;
        }
        return new Regex(Pattern.compile(match.regex()));
    }

    /** Matches any present value (the empty {@code {}} match for headers and query parameters). */
    enum Present implements StringMatcher {
        INSTANCE;

        @Override
        public boolean matches(String value) {
            return true;
        }
    }

    record Exact(String expected, boolean ignoreCase) implements StringMatcher {
        @Override
        public boolean matches(String value) {
            return ignoreCase ? expected.equalsIgnoreCase(value) : expected.equals(value);
        }
    }

    record Prefix(String prefix, boolean ignoreCase) implements StringMatcher {
        @Override
        public boolean matches(String value) {
            return value.regionMatches(ignoreCase, 0, prefix, 0, prefix.length());
        }
    }

    record Regex(Pattern pattern) implements StringMatcher {
        @Override
        public boolean matches(String value) {
            return pattern.matches(value);
        }
    }
}
