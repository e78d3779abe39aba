package io.proxyless.mesh.runtime.security;

import com.google.re2j.Pattern;

/**
 * Istio's path templates in AuthorizationPolicy {@code paths}: {@code {*}} stands for exactly one path segment,
 * {@code {**}} for any number of segments (and must be the last operator), as Envoy's {@code uri_template}
 * matcher that istiod writes for them. Compiled to an RE2 expression once, with Envoy's character classes.
 *
 * <pre>{@code
 * PathTemplate.toRegex("/api/{*}/reviews/{**}");
 * }</pre>
 */
public final class PathTemplate {
    /** One segment. */
    public static final String MATCH_ONE = "{*}";
    /** Any number of segments. */
    public static final String MATCH_ANY = "{**}";
    /** Envoy's literal characters in a path segment (RFC 3986 pchar without {@code *}). */
    private static final String LITERAL = "a-zA-Z0-9\\-._~%!$&'()+,;:@=";
    private static final String ONE_SEGMENT = "[" + LITERAL + "]+";
    private static final String ANY_SEGMENTS = "[" + LITERAL + "/]*";
    private static final Pattern VALID_LITERAL = Pattern.compile("[" + LITERAL + "]+");

    private PathTemplate() {
    }

    /** True when {@code path} uses a template operator (Istio's {@code ContainsPathTemplate}). */
    public static boolean isTemplate(String path) {
        return path.contains(MATCH_ONE) || path.contains(MATCH_ANY);
    }

    /**
     * Why Istio rejects {@code path} as a path template (its {@code CheckValidPathTemplate}), or null when it is
     * valid or not a template.
     */
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
            if (template && !VALID_LITERAL.matcher(glob).matches()) {
                return "invalid or unsupported path " + trimmed + ". Contains segment " + glob
                        + " with invalid string literal";
            }
        }
        return null;
    }

    /**
     * The RE2 expression (full match) for template {@code path}.
     *
     * @throws IllegalArgumentException when it is not a valid template ({@link #problem})
     */
    public static String toRegex(String path) {
        String problem = problem(path);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        StringBuilder regex = new StringBuilder();
        String[] segments = path.split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            if (i > 0) {
                regex.append('/');
            }
            String s = segments[i];
            if (s.equals(MATCH_ONE)) {
                regex.append(ONE_SEGMENT);
            } else if (s.equals(MATCH_ANY)) {
                regex.append(ANY_SEGMENTS);
            } else if (!s.isEmpty()) {
                regex.append(Pattern.quote(s));
            }
        }
        return regex.toString();
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
