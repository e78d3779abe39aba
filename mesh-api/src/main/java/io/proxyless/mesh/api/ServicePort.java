package io.proxyless.mesh.api;

/**
 * Istio {@code ServicePort}: one port of a {@link ServiceEntry}.
 *
 * @param number     port number; required
 * @param protocol   {@code HTTP}, {@code HTTPS}, {@code GRPC}, {@code HTTP2}, {@code TCP}, {@code TLS}, ...
 * @param name       port name, unique within the service; required
 * @param targetPort port on the endpoints, when it differs and the endpoint has no port of its own
 */
public record ServicePort(Integer number, String protocol, String name, Integer targetPort) {
    public static ServicePort of(int number, String protocol, String name) {
        return new ServicePort(number, protocol, name, null);
    }
}
