package io.proxyless.mesh.api;

/**
 * Istio {@code RegexRewrite}: rewrite the path by replacing every RE2 match of {@code match} with
 * {@code rewrite}, in which {@code \1}-style references name capture groups.
 *
 * @param match   RE2 regular expression
 * @param rewrite replacement text
 */
public record RegexRewrite(String match, String rewrite) {
    public static RegexRewrite of(String match, String rewrite) {
        return new RegexRewrite(match, rewrite);
    }
}
