package io.proxyless.mesh.api;

/**
 * Istio {@code RouteDestination}: a weighted destination of a {@link TLSRoute} or {@link TCPRoute}.
 *
 * @param destination where to send the connection; required
 * @param weight      relative share of connections; unset counts as 0 when there are several destinations
 */
public record RouteDestination(Destination destination, Integer weight) {
    public static RouteDestination of(Destination destination, Integer weight) {
        return new RouteDestination(destination, weight);
    }
}
