package io.proxyless.mesh.runtime.security;

import com.google.re2j.Pattern;
import java.util.Locale;
import java.util.Objects;

/**
 * A string match as Envoy's RBAC filter holds it ({@code StringMatcher} / {@code HeaderMatcher}): exact, prefix,
 * suffix, RE2 full match, or presence; optionally ignoring case. Regexes are compiled when the policy is
 * compiled, never per request.
 *
 * <p>Istio writes an AuthorizationPolicy value {@code v} as: {@code *} → any non-empty value (a header: present),
 * {@code *abc} → suffix, {@code abc*} → prefix, else exact ({@link #istio}, {@link #istioHeader}).
 */
public final class ValueMatcher {
    /** How the value is compared. */
    public enum Kind { EXACT, PREFIX, SUFFIX, REGEX, PRESENT }

    private final Kind kind;
    private final String value;
    private final boolean ignoreCase;
    private final Pattern regex;

    private ValueMatcher(Kind kind, String value, boolean ignoreCase) {
        this.kind = kind;
        this.ignoreCase = ignoreCase;
        this.value = ignoreCase && value != null ? value.toLowerCase(Locale.ROOT) : value;
        this.regex = kind == Kind.REGEX ? Pattern.compile(value) : null;
    }

    public static ValueMatcher exact(String value, boolean ignoreCase) {
        return new ValueMatcher(Kind.EXACT, Objects.requireNonNull(value), ignoreCase);
    }

    public static ValueMatcher prefix(String value, boolean ignoreCase) {
        return new ValueMatcher(Kind.PREFIX, Objects.requireNonNull(value), ignoreCase);
    }

    public static ValueMatcher suffix(String value, boolean ignoreCase) {
        return new ValueMatcher(Kind.SUFFIX, Objects.requireNonNull(value), ignoreCase);
    }

    /**
     * An RE2 full match.
     *
     * @throws com.google.re2j.PatternSyntaxException when {@code regex} is not a valid RE2 expression
     */
    public static ValueMatcher regex(String regex) {
        return new ValueMatcher(Kind.REGEX, Objects.requireNonNull(regex), false);
    }

    /** Any value, even empty, as long as there is one (Envoy's {@code present_match}). */
    public static ValueMatcher present() {
        return new ValueMatcher(Kind.PRESENT, null, false);
    }

    /** Istio's {@code StringMatcher(v)}: {@code *} any non-empty value, {@code *x} suffix, {@code x*} prefix. */
    public static ValueMatcher istio(String v, boolean ignoreCase) {
        return istio(v, "", ignoreCase);
    }

    /**
     * Istio's {@code StringMatcherWithPrefix(v, prefix)}: like {@link #istio(String, boolean)} with {@code prefix}
     * written before exact and prefix values (principals: {@code spiffe://}).
     */
    public static ValueMatcher istio(String v, String prefix, boolean ignoreCase) {
        if (v.equals("*")) {
            return regex(".+");
        }
        if (v.startsWith("*")) {
            return suffix(v.substring(1), ignoreCase);
        }
        if (v.endsWith("*")) {
            return prefix(prefix + v.substring(0, v.length() - 1), ignoreCase);
        }
        return exact(prefix + v, ignoreCase);
    }

    /** Istio's {@code HeaderMatcher(k, v)}: {@code *} is presence; otherwise as {@link #istio(String, boolean)}. */
    public static ValueMatcher istioHeader(String v, boolean ignoreCase) {
        return v.equals("*") ? present() : istio(v, ignoreCase);
    }

    public Kind kind() {
        return kind;
    }

    /** The value compared against (lower case when ignoring case); the regex; null for presence. */
    public String value() {
        return kind == Kind.REGEX ? regex.pattern() : value;
    }

    public boolean ignoreCase() {
        return ignoreCase;
    }

    /** True when {@code s} matches; an absent value (null) never does. */
    public boolean matches(String s) {
        if (s == null) {
            return false;
        }
        String v = ignoreCase ? s.toLowerCase(Locale.ROOT) : s;
        return switch (kind) {
            case EXACT -> v.equals(value);
            case PREFIX -> v.startsWith(value);
            case SUFFIX -> v.endsWith(value);
            case REGEX -> regex.matches(v);
            case PRESENT -> true;
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ValueMatcher m && m.kind == kind && Objects.equals(m.value(), value())
                && m.ignoreCase == ignoreCase;
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, value(), ignoreCase);
    }

    @Override
    public String toString() {
        String s = switch (kind) {
            case EXACT -> "exact " + value;
            case PREFIX -> "prefix " + value;
            case SUFFIX -> "suffix " + value;
            case REGEX -> "regex " + regex.pattern();
            case PRESENT -> "present";
        };
        return ignoreCase ? s + " (ignore case)" : s;
    }
}
