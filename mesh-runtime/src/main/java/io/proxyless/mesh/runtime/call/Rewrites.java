package io.proxyless.mesh.runtime.call;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.model.PathRewrite;

/**
 * Istio {@code rewrite} of the request path, as the sidecar's Envoy applies it.
 *
 * <ul>
 *   <li>{@code rewrite.uri} is Envoy's {@code prefix_rewrite}: the part of the path the matched route consumed is
 *       replaced — the prefix of a {@code uri.prefix} match, the whole path of an {@code exact} or {@code regex}
 *       match, and {@code "/"} when the match has no {@code uri}. The rest of the path and the query string are
 *       kept. So {@code prefix: /reviews} + {@code uri: /v2} turns {@code /reviews/1?x=1} into {@code /v2/1?x=1},
 *       and a route without URI match turns {@code /reviews} into {@code /v2reviews} (Envoy's literal result).</li>
 *   <li>{@code rewrite.uriRegexRewrite} is Envoy's {@code regex_rewrite}: every RE2 match in the path (query
 *       excluded) is replaced by {@code rewrite}, where {@code \1}…{@code \9} insert capture groups and
 *       {@code \\} a backslash; the query string is kept. The pattern was compiled with the snapshot.</li>
 * </ul>
 *
 * <pre>{@code
 * String pathAndQuery = Rewrites.path(decision, request); // null: no path rewrite
 * }</pre>
 */
public final class Rewrites {

    private Rewrites() {
    }

    /**
     * The path and query to send upstream for {@code request} under {@code decision}'s rewrite, or null when the
     * route rewrites no path.
     *
     */
    public static String path(RouteDecision decision, RouteRequest request) {
        PathRewrite rewrite = decision.route() == null ? null : decision.route().pathRewrite();
        if (rewrite == null) {
            return null;
        }
        if (rewrite.isRegex()) {
            return regex(rewrite, request.path(), request.query());
        }
        int consumed = decision.consumedPathLength(request.path());
        return prefix(rewrite.prefix(), consumed, request.path(), request.query());
    }

    /**
     * Envoy's prefix rewrite: the first {@code consumed} characters of {@code path} replaced by
     * {@code replacement}; the query (may be null) kept.
     */
    public static String prefix(String replacement, int consumed, String path, String query) {
        int n = Math.max(0, Math.min(consumed, path.length()));
        return withQuery(replacement + path.substring(n), query);
    }

    /** Envoy's regex rewrite of {@code path} (query excluded, then kept). */
    public static String regex(PathRewrite rewrite, String path, String query) {
        Pattern pattern = rewrite.pattern();
        String template = rewrite.substitution();
        Matcher m = pattern.matcher(path);
        StringBuilder out = null;
        int last = 0;
        int pos = 0;
        boolean lastWasNonEmpty = false;
        while (pos <= path.length() && m.find(pos)) {
            boolean empty = m.start() == m.end();
            if (empty && lastWasNonEmpty && m.start() == last) {
                // RE2's GlobalReplace: no empty match right where the previous match ended.
                pos = m.start() + 1;
                lastWasNonEmpty = false;
                continue;
            }
            if (out == null) {
                out = new StringBuilder(path.length() + template.length());
            }
            out.append(path, last, m.start());
            expand(template, m, out);
            last = m.end();
            lastWasNonEmpty = !empty;
            if (empty) {
                // Copy one character so the scan advances.
                if (last < path.length()) {
                    out.append(path.charAt(last));
                }
                last++;
                pos = last;
            } else {
                pos = last;
            }
        }
        if (out == null) {
            return withQuery(path, query);
        }
        if (last < path.length()) {
            out.append(path, last, path.length());
        }
        return withQuery(out.toString(), query);
    }

    /** RE2 rewrite-string expansion: {@code \N} is group N (0–9), {@code \\} a backslash, anything else as is. */
    private static void expand(String template, Matcher m, StringBuilder out) {
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (c == '\\' && i + 1 < template.length()) {
                char next = template.charAt(i + 1);
                if (next >= '0' && next <= '9') {
                    int group = next - '0';
                    if (group <= m.groupCount()) {
                        String g = m.group(group);
                        if (g != null) {
                            out.append(g);
                        }
                    }
                    i++;
                    continue;
                }
                if (next == '\\') {
                    out.append('\\');
                    i++;
                    continue;
                }
            }
            out.append(c);
        }
    }

    static String withQuery(String path, String query) {
        return query == null ? path : path + "?" + query;
    }
}
