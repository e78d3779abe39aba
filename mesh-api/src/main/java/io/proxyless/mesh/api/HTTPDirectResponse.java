package io.proxyless.mesh.api;

/**
 * Istio {@code HTTPDirectResponse}: answer the request locally with a fixed status and body; nothing is sent
 * upstream.
 *
 * @param status HTTP status code; required
 * @param body   response body, or null for none
 */
public record HTTPDirectResponse(Integer status, HTTPBody body) {
    public static HTTPDirectResponse of(int status, HTTPBody body) {
        return new HTTPDirectResponse(status, body);
    }
}
