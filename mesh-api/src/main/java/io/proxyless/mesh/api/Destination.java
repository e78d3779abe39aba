package io.proxyless.mesh.api;

/**
 * Istio {@code Destination}: the service (and optionally subset and port) a request is sent to.
 *
 * <pre>{@code
 * Destination v2 = Destination.of("reviews", "v2");
 * Destination api = Destination.of("api.example.com", null, 8443);
 * }</pre>
 *
 * @param host   service name from the registry (Kubernetes service or ServiceEntry host); a short name is
 *               qualified with the namespace of the config that mentions it. Required.
 * @param subset name of a subset defined in the host's DestinationRule, or null for all endpoints
 * @param port   port on the host; may be omitted when the service has exactly one port
 */
public record Destination(String host, String subset, PortSelector port) {

    public static Destination of(String host) {
        return new Destination(host, null, null);
    }

    public static Destination of(String host, String subset) {
        return new Destination(host, subset, null);
    }

    public static Destination of(String host, String subset, int port) {
        return new Destination(host, subset, PortSelector.of(port));
    }
}
