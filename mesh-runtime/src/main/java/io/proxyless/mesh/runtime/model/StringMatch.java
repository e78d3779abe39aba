package io.proxyless.mesh.runtime.model;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.Objects;

/**
 * Envoy's {@code StringMatcher}: exact, prefix, suffix, contains, or an RE2 <em>full</em> match; the regex is
 * compiled when the value is built, so an invalid one is a config problem, never a request-time one.
 *
 * @param kind       how to compare
 * @param value      the string (or regex as written)
 * @param pattern    the compiled regex (regex kind only), else null
 * @param ignoreCase compare ignoring case (not for regex)
 */
public record StringMatch(Kind kind, String value, Pattern pattern, boolean ignoreCase) {

    public enum Kind {
        EXACT,
        PREFIX,
        SUFFIX,
        CONTAINS,
        REGEX
    }

    public StringMatch {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(value, "value");
        if ((kind == Kind.REGEX) != (pattern != null)) {
            throw new IllegalArgumentException("a compiled pattern goes with the regex kind only");
        }
    }

    public static StringMatch exact(String value) {
        return new StringMatch(Kind.EXACT, value, null, false);
    }

    public static StringMatch prefix(String value) {
        return new StringMatch(Kind.PREFIX, value, null, false);
    }

    public static StringMatch suffix(String value) {
        return new StringMatch(Kind.SUFFIX, value, null, false);
    }

    public static StringMatch contains(String value) {
        return new StringMatch(Kind.CONTAINS, value, null, false);
    }

    /**
     * An RE2 full match.
     *
     * @throws IllegalArgumentException when {@code regex} is not valid RE2
     */
    public static StringMatch regex(String regex) {
        return new StringMatch(Kind.REGEX, regex, compile(regex), false);
    }

    /** The same comparison ignoring case (exact, prefix, suffix, contains). */
    public StringMatch ignoringCase() {
        if (kind == Kind.REGEX) {
            throw new IllegalArgumentException("a regex match has no ignore-case flag; use (?i)");
        }
        return new StringMatch(kind, value, null, true);
    }

    /** True when {@code input} (non-null) matches. */
    public boolean matches(String input) {
        return switch (kind) {
            case EXACT -> ignoreCase ? value.equalsIgnoreCase(input) : value.equals(input);
            case PREFIX -> input.regionMatches(ignoreCase, 0, value, 0, value.length());
            case SUFFIX -> input.length() >= value.length()
                    && input.regionMatches(ignoreCase, input.length() - value.length(), value, 0, value.length());
            case CONTAINS -> ignoreCase
                    ? input.toLowerCase(java.util.Locale.ROOT).contains(value.toLowerCase(java.util.Locale.ROOT))
                    : input.contains(value);
            case REGEX -> pattern.matches(input);
        };
    }

    static Pattern compile(String regex) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("invalid RE2 regex \"" + regex + "\": " + e.getMessage(), e);
        }
    }
}
