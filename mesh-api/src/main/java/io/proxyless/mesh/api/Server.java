package io.proxyless.mesh.api;

import java.util.List;

/**
 * Istio {@code Server}: one listener of a {@link Gateway}.
 *
 * @param port            port and protocol the gateway listens on; required
 * @param bind            address or {@code unix://} socket to bind
 * @param hosts           hosts exposed, as {@code [namespace/]dnsName}; required
 * @param tls             TLS of the listener
 * @param defaultEndpoint loopback address or socket traffic is forwarded to (declared, not implemented by Istio)
 * @param name            optional unique name of the server
 */
public record Server(
        Port port,
        String bind,
        List<String> hosts,
        ServerTLSSettings tls,
        String defaultEndpoint,
        String name) {

    public Server {
        hosts = Immutables.list(hosts);
    }
}
