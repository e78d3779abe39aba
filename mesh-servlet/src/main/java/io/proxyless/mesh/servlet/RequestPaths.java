package io.proxyless.mesh.servlet;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The path an AuthorizationPolicy's {@code paths} are matched against: the request URI normalized as Istio's
 * default ({@code pathNormalization: BASE}, Envoy's {@code normalize_path}, RFC 3986 section 6), so that
 * {@code /public/../admin} or {@code /%61dmin} can't pass a rule written for {@code /admin}.
 *
 * <ol>
 *   <li>Percent-encoded unreserved characters ({@code A-Z a-z 0-9 - . _ ~}) are decoded, other escapes keep their
 *       encoding with upper-case hex ({@code %2f} becomes {@code %2F}, never a slash).</li>
 *   <li>Path parameters ({@code ;jsessionid=…}) are dropped from every segment: a servlet container dispatches
 *       {@code /admin;x} to {@code /admin}, so the policy must see {@code /admin} too (a sidecar sees
 *       {@code /admin;x}, and its rule for {@code /admin} does not match: here it does).</li>
 *   <li>Dot segments are removed (RFC 3986 section 5.2.4); a {@code ..} above the root stays at the root.</li>
 * </ol>
 * A malformed escape gives null: the request is refused as Envoy refuses it (400).
 */
final class RequestPaths {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private RequestPaths() {
    }

    /** The normalized form of {@code rawPath} (encoded, without query), or null when it can't be decoded. */
    static String normalize(String rawPath) {
        if (rawPath == null || rawPath.isEmpty()) {
            return "/";
        }
        StringBuilder decoded = new StringBuilder(rawPath.length());
        for (int i = 0; i < rawPath.length(); i++) {
            char c = rawPath.charAt(i);
            if (c != '%') {
                decoded.append(c);
                continue;
            }
            if (i + 2 >= rawPath.length()) {
                return null;
            }
            int hi = Character.digit(rawPath.charAt(i + 1), 16);
            int lo = Character.digit(rawPath.charAt(i + 2), 16);
            if (hi < 0 || lo < 0) {
                return null;
            }
            char value = (char) (hi * 16 + lo);
            if (unreserved(value)) {
                decoded.append(value);
            } else {
                decoded.append('%').append(HEX[hi]).append(HEX[lo]);
            }
            i += 2;
        }
        return removeDotSegments(decoded.toString());
    }

    private static boolean unreserved(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~';
    }

    private static String removeDotSegments(String path) {
        String[] segments = path.split("/", -1);
        Deque<String> out = new ArrayDeque<>();
        // segments[0] is what precedes the first slash: empty for an absolute path
        for (int i = 1; i < segments.length; i++) {
            String segment = withoutParameters(segments[i]);
            boolean last = i == segments.length - 1;
            if (segment.equals(".")) {
                if (last) {
                    out.addLast("");
                }
            } else if (segment.equals("..")) {
                out.pollLast();
                if (last) {
                    out.addLast("");
                }
            } else {
                out.addLast(segment);
            }
        }
        StringBuilder result = new StringBuilder(path.length() + 1);
        String first = withoutParameters(segments[0]);
        if (!first.isEmpty() && !first.equals(".") && !first.equals("..")) {
            // not an absolute path ("*" of OPTIONS *): kept as it came
            result.append(first);
        }
        for (String segment : out) {
            result.append('/').append(segment);
        }
        return result.length() == 0 ? "/" : result.toString();
    }

    private static String withoutParameters(String segment) {
        int semicolon = segment.indexOf(';');
        return semicolon < 0 ? segment : segment.substring(0, semicolon);
    }
}
