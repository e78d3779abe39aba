package io.proxyless.mesh.api;

/**
 * Istio {@code HTTPRouteDestination}: one weighted destination of an {@link HTTPRoute}, with header changes
 * that apply only when this destination is picked.
 *
 * <pre>{@code
 * HTTPRouteDestination v2 = HTTPRouteDestination.of(Destination.of("reviews", "v2"), 25);
 * }</pre>
 *
 * @param destination where to send the request; required
 * @param weight      relative share of requests (weight / sum of weights); with several destinations an unset
 *                    weight counts as 0; a single destination gets everything
 * @param headers     header changes for requests sent to, and responses from, this destination
 */
public record HTTPRouteDestination(Destination destination, Integer weight, Headers headers) {

    public static HTTPRouteDestination of(Destination destination) {
        return new HTTPRouteDestination(destination, null, null);
    }

    public static HTTPRouteDestination of(Destination destination, Integer weight) {
        return new HTTPRouteDestination(destination, weight, null);
    }
}
