package io.proxyless.mesh.runtime.security;

import com.google.re2j.Pattern;
import io.proxyless.mesh.api.validation.PathTemplates;

/**
 * Istio's path templates in AuthorizationPolicy {@code paths} ({@link PathTemplates}: {@code {*}} one segment,
 * {@code {**}} any number of segments, last) as the RE2 expression of Envoy's {@code uri_template} matcher that
 * istiod writes for them, compiled once with the policy.
 *
 * <pre>{@code
 * PathTemplate.toRegex("/api/{*}/reviews/{**}");
 * }</pre>
 */
final class PathTemplate {
    private static final String ONE_SEGMENT = "[" + PathTemplates.LITERAL_CHARACTERS + "]+";
    private static final String ANY_SEGMENTS = "[" + PathTemplates.LITERAL_CHARACTERS + "/]*";

    private PathTemplate() {
    }

    static boolean isTemplate(String path) {
        return PathTemplates.isTemplate(path);
    }

    /**
     * The RE2 expression (full match) for template {@code path}.
     *
     * @throws IllegalArgumentException when it is not a valid template ({@link PathTemplates#problem})
     */
    static String toRegex(String path) {
        String problem = PathTemplates.problem(path);
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
            if (s.equals(PathTemplates.MATCH_ONE)) {
                regex.append(ONE_SEGMENT);
            } else if (s.equals(PathTemplates.MATCH_ANY)) {
                regex.append(ANY_SEGMENTS);
            } else if (!s.isEmpty()) {
                regex.append(Pattern.quote(s));
            }
        }
        return regex.toString();
    }
}
