package io.proxyless.mesh.runtime.model;

import com.google.re2j.Pattern;
import java.util.Objects;

/**
 * Envoy's path specifier: {@code prefix} (raw string prefix: {@code /foo} matches {@code /foobar}), {@code path}
 * (exact) or {@code safe_regex} (RE2 full match); the query string is never part of the path. Case-insensitive
 * only when {@code caseSensitive} is false, which Istio's {@code ignoreUriCase} sets for prefix and exact.
 *
 * @param kind          prefix, exact or regex
 * @param value         the prefix, the path, or the regex as written
 * @param pattern       the compiled regex (regex kind only), else null
 * @param caseSensitive false to compare prefix and exact paths ignoring case
 */
public record PathMatch(Kind kind, String value, Pattern pattern, boolean caseSensitive) {

    public enum Kind {
        PREFIX,
        EXACT,
        REGEX
    }

    public PathMatch {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(value, "value");
        if ((kind == Kind.REGEX) != (pattern != null)) {
            throw new IllegalArgumentException("a compiled pattern goes with the regex kind only");
        }
    }

    public static PathMatch prefix(String prefix, boolean caseSensitive) {
        return new PathMatch(Kind.PREFIX, prefix, null, caseSensitive);
    }

    public static PathMatch exact(String path, boolean caseSensitive) {
        return new PathMatch(Kind.EXACT, path, null, caseSensitive);
    }

    /**
     * A regex path match.
     *
     * @throws IllegalArgumentException when {@code regex} is not valid RE2
     */
    public static PathMatch regex(String regex) {
        return new PathMatch(Kind.REGEX, regex, StringMatch.compile(regex), true);
    }

    /** True for {@code prefix: /} and {@code regex: .*}, which every path satisfies. */
    public boolean matchesEverything() {
        return (kind == Kind.PREFIX && value.equals("/")) || (kind == Kind.REGEX && value.equals(".*"));
    }
}
