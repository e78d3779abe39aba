package io.proxyless.mesh.api;

/**
 * Istio {@code Port}: the port of a gateway {@link Server}.
 *
 * @param number     port number; required
 * @param protocol   {@code HTTP}, {@code HTTPS}, {@code GRPC}, {@code HTTP2}, {@code MONGO}, {@code TCP}, {@code TLS}; required
 * @param name       port name; required
 * @param targetPort deprecated by Istio and without effect here
 */
public record Port(
        Integer number,
        String protocol,
        String name,
        @DeprecatedField("")
        Integer targetPort) {
}
