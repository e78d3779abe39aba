package io.proxyless.mesh.runtime.routing;

import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.tls.ClientTlsContext;
import io.proxyless.mesh.runtime.tls.ClientTlsPolicy;
import java.util.Map;
import java.util.Objects;

/**
 * A cluster's TLS chosen per endpoint: Envoy's {@code transport_socket_matches} (Istio's auto mTLS) compiled once
 * per snapshot, so an attempt looks up the socket of the endpoint it picked instead of matching metadata.
 *
 * @see io.proxyless.mesh.runtime.model.TransportSocketMatch
 */
public final class TransportSockets {

    /**
     * The TLS towards one endpoint.
     *
     * @param match   the name of the {@code transport_socket_matches} entry that chose it, or null for the
     *                cluster's own socket
     * @param policy  TLS as asked for, or null for plain text
     * @param context the context built for {@code policy} when the snapshot was compiled, or null (plain text, or
     *                ISTIO_MUTUAL without workload certificates on the mesh)
     */
    public record Socket(String match, ClientTlsPolicy policy, ClientTlsContext context) {
    }

    private final Map<Endpoint, Socket> byEndpoint;
    private final Socket unlisted;

    /**
     * @param byEndpoint the socket of each endpoint of the cluster
     * @param unlisted   the socket of an endpoint without {@code envoy.transport_socket_match} metadata, for an
     *                   endpoint the cluster does not list
     */
    TransportSockets(Map<Endpoint, Socket> byEndpoint, Socket unlisted) {
        this.byEndpoint = Map.copyOf(byEndpoint);
        this.unlisted = Objects.requireNonNull(unlisted);
    }

    /** The socket for {@code endpoint}. */
    public Socket forEndpoint(Endpoint endpoint) {
        Socket s = byEndpoint.get(endpoint);
        return s != null ? s : unlisted;
    }
}
