package io.proxyless.mesh.runtime.routing;

import io.proxyless.mesh.runtime.balancing.LocalityPriorities;
import io.proxyless.mesh.runtime.policy.ClusterPolicy;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.tls.ClientTlsPolicy;
import java.util.List;
import java.util.Set;

/**
 * One cluster of Istio config as the compiler resolved it for this client, before it is written as the route
 * model's {@code Cluster} and load assignment: a service port's endpoints (narrowed to a subset's labels), the
 * merged DestinationRule policy, locality priorities and the TLS policy.
 *
 * @param key         Istio's cluster name, {@code outbound|PORT|SUBSET|HOST}
 * @param host        service host (FQDN)
 * @param subset      subset name, or null
 * @param port        service port
 * @param endpoints   the cluster's endpoints
 * @param policy      the merged DestinationRule policy for this port and subset
 * @param priorities  locality priority levels and {@code distribute} weights
 * @param passthrough connect to the address the client asked for ({@code resolution: NONE})
 * @param tlsPolicy   TLS towards the endpoints as the DestinationRule's {@code tls} asks for it, or null for plain
 *                    text
 * @param autoMtls    Istio's auto mTLS, when it applies (auto mTLS on, no DestinationRule {@code tls}, a mesh
 *                    service): ISTIO_MUTUAL for the endpoints labelled {@code security.istio.io/tlsMode: istio},
 *                    plain text for the others; else null
 * @param mtlsDisabled the endpoints whose PeerAuthentication is DISABLE on their port: auto mTLS sends them plain
 *                     text whatever their label (empty unless {@code autoMtls} applies)
 */
record IstioCluster(String key, String host, String subset, int port, List<Endpoint> endpoints, ClusterPolicy policy,
                    LocalityPriorities priorities, boolean passthrough, ClientTlsPolicy tlsPolicy,
                    ClientTlsPolicy autoMtls, Set<Endpoint> mtlsDisabled) {
    IstioCluster {
        mtlsDisabled = Set.copyOf(mtlsDisabled);
    }
}
