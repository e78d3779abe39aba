package io.proxyless.mesh.api;

/**
 * Istio {@code HTTPRewrite}: change the path and/or authority of a request before forwarding it.
 * {@code uri} and {@code uriRegexRewrite} are alternatives.
 *
 * @param uri             replaces the part of the path matched by the route's {@code uri} match (the prefix
 *                        for a prefix match, the whole path otherwise)
 * @param authority       replaces the authority (Host header)
 * @param uriRegexRewrite regex-based path rewrite
 */
public record HTTPRewrite(String uri, String authority, RegexRewrite uriRegexRewrite) {
    public static HTTPRewrite uri(String uri) {
        return new HTTPRewrite(uri, null, null);
    }

    public static HTTPRewrite authority(String authority) {
        return new HTTPRewrite(null, authority, null);
    }
}
