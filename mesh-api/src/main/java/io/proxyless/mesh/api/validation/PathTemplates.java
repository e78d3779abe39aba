package io.proxyless.mesh.api.validation;

import com.google.re2j.Pattern;

/**
 * Istio's path templates in AuthorizationPolicy {@code paths} and {@code notPaths}: {@code {*}} is exactly one
 * path segment, {@code {**}} any number of segments and must be the last operator; a template's other segments
 * are literals of RFC 3986 path characters. {@link #problem} is Istio's {@code CheckValidPathTemplate}.
 *
 * <pre>{@code
 * PathTemplates.problem("/api/{**}/reviews"); // "... {**} is not the last operator"
 * }</pre>
 */
public final class PathTemplates {
    /** One segment. */
    public static final String MATCH_ONE = "{*}";
    /** Any number of segments. */
    public static final String MATCH_ANY = "{**}";
    /** The characters of a literal path segment, as Envoy's {@code uri_template} accepts them (no {@code *}). */
    public static final String LITERAL_CHARACTERS = "a-zA-Z0-9\\-._~%!$&'()+,;:@=";
    private static final Pattern LITERAL = Pattern.compile("[" + LITERAL_CHARACTERS + "]+");

    private PathTemplates() {
    }

    /** True when {@code path} uses a template operator (Istio's {@code ContainsPathTemplate}). */
    public static boolean isTemplate(String path) {
        return path.contains(MATCH_ONE) || path.contains(MATCH_ANY);
    }

    /** Why Istio rejects {@code path} (a template, or a path with braces), or null when it is fine. */
    public static String problem(String path) {
        boolean template = isTemplate(path);
        boolean anySeen = false;
        String trimmed = trimSlashes(path);
        for (String glob : trimmed.split("/", -1)) {
            if (glob.equals(MATCH_ONE) && !anySeen) {
                continue;
            }
            if (glob.equals(MATCH_ANY) && !anySeen) {
                anySeen = true;
                continue;
            }
            if ((glob.equals(MATCH_ANY) || glob.equals(MATCH_ONE)) && anySeen) {
                return "invalid or unsupported path " + trimmed + ". {**} is not the last operator";
            }
            if (glob.contains("{") || glob.contains("}")) {
                return "invalid or unsupported path " + trimmed + ". Contains '{' or '}' beyond a supported path "
                        + "template";
            }
            if (template && !LITERAL.matcher(glob).matches()) {
                return "invalid or unsupported path " + trimmed + ". Contains segment " + glob
                        + " with invalid string literal";
            }
        }
        return null;
    }

    private static String trimSlashes(String path) {
        int start = 0;
        int end = path.length();
        while (start < end && path.charAt(start) == '/') {
            start++;
        }
        while (end > start && path.charAt(end - 1) == '/') {
            end--;
        }
        return path.substring(start, end);
    }
}
