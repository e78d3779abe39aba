package io.proxyless.mesh.api;

/**
 * Istio {@code PortSelector}: a port of a service, by number. (Selecting by {@code name} was removed from
 * Istio, so it is not a component and is reported as an unknown field.)
 *
 * @param number the port number
 */
public record PortSelector(Integer number) {
    public static PortSelector of(int number) {
        return new PortSelector(number);
    }
}
