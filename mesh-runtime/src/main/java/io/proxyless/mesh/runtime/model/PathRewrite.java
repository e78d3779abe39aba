package io.proxyless.mesh.runtime.model;

import com.google.re2j.Pattern;
import java.util.Objects;

/**
 * Envoy's path rewrites: {@code prefix_rewrite} (the part of the path the route's match consumed is replaced —
 * Istio's {@code rewrite.uri}) or {@code regex_rewrite} (every RE2 match replaced, {@code \1}…{@code \9} for
 * groups — Istio's {@code rewrite.uriRegexRewrite}). The regex is compiled when the value is built.
 *
 * @param prefix       the replacement prefix, or null
 * @param pattern      the regex (regex rewrite), or null
 * @param substitution the regex's replacement (regex rewrite), or null
 */
public record PathRewrite(String prefix, Pattern pattern, String substitution) {
    public PathRewrite {
        if ((prefix == null) == (pattern == null)) {
            throw new IllegalArgumentException("a path rewrite is either a prefix or a regex rewrite");
        }
        if (pattern != null) {
            Objects.requireNonNull(substitution, "substitution");
        }
    }

    public static PathRewrite prefix(String prefix) {
        return new PathRewrite(Objects.requireNonNull(prefix), null, null);
    }

    /**
     * A regex rewrite.
     *
     * @throws IllegalArgumentException when {@code regex} is not valid RE2
     */
    public static PathRewrite regex(String regex, String substitution) {
        return new PathRewrite(null, StringMatch.compile(regex), substitution);
    }

    public boolean isRegex() {
        return pattern != null;
    }
}
