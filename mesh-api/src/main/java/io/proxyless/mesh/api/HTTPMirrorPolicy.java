package io.proxyless.mesh.api;

/**
 * Istio {@code HTTPMirrorPolicy}: one entry of {@link HTTPRoute#mirrors()}, a destination that receives a copy
 * of a share of the requests. Mirrored responses are discarded.
 *
 * @param destination where the copies go; required
 * @param percentage  share of requests copied; 100% when unset
 */
public record HTTPMirrorPolicy(Destination destination, Percent percentage) {
    public static HTTPMirrorPolicy of(Destination destination, Percent percentage) {
        return new HTTPMirrorPolicy(destination, percentage);
    }
}
