package io.proxyless.mesh.api;

/**
 * Istio {@code SidecarPort}: the port of a Sidecar listener.
 *
 * @param number     port number (0 with a {@code unix://} bind)
 * @param protocol   protocol on the port, e.g. {@code HTTP}, {@code GRPC}
 * @param name       port name
 * @param targetPort deprecated by Istio; it has no effect
 */
public record SidecarPort(
        Integer number,
        String protocol,
        String name,
        @DeprecatedField("")
        Integer targetPort) {

    public static SidecarPort of(int number, String protocol, String name) {
        return new SidecarPort(number, protocol, name, null);
    }
}
