package io.proxyless.mesh.runtime.routing;

import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.balancing.LoadBalancer;
import io.proxyless.mesh.runtime.balancing.LocalityPriorities;
import io.proxyless.mesh.runtime.balancing.PickContext;
import io.proxyless.mesh.runtime.balancing.WeightedLocalities;
import io.proxyless.mesh.runtime.health.AttemptOutcome;
import io.proxyless.mesh.runtime.health.ConnectionPool;
import io.proxyless.mesh.runtime.health.OutlierDetector;
import io.proxyless.mesh.runtime.policy.ClusterPolicy;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.tls.ClientTlsContext;
import io.proxyless.mesh.runtime.tls.ClientTlsContexts;
import io.proxyless.mesh.runtime.tls.ClientTlsPolicy;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * One upstream cluster, named like Istio's {@code outbound|PORT|SUBSET|HOST}: the endpoints of a service port
 * (narrowed to a subset's labels), the merged DestinationRule policy and the load balancer, outlier detector and
 * connection pool that carry it out. Built once per config snapshot; the health parts outlive snapshots.
 *
 * @param key          Istio's cluster name, e.g. {@code outbound|9080|v1|reviews.default.svc.cluster.local}
 * @param host         service host (FQDN)
 * @param subset       subset name, or null
 * @param port         service port
 * @param endpoints    all endpoints of the cluster
 * @param policy       effective DestinationRule policy
 * @param loadBalancer the balancer for this cluster
 * @param outlier      outlier detection (never null; a disabled detector when the policy has none)
 * @param pool         connection-pool limits (never null)
 * @param passthrough  true for {@code resolution: NONE} and unknown hosts under ALLOW_ANY: connect to the
 *                     address the client asked for
 * @param priorities   locality priority levels (failover / distribute) and the endpoints of weighted localities
 *                     preferred within them, or null when all endpoints share one level without preference
 * @param tlsPolicy    TLS towards the endpoints as the DestinationRule asks for it, or null for plain text
 * @param tlsContext   the TLS context built for {@code tlsPolicy} when the snapshot was compiled (certificate
 *                     files read and checked), or null — plain text, or ISTIO_MUTUAL without workload
 *                     certificates configured on the mesh (an adapter's own {@link ClientTlsContexts} builds it)
 * @param sockets      TLS per endpoint (Envoy's {@code transport_socket_matches}, Istio's auto mTLS), or null when
 *                     {@code tlsPolicy} applies to every endpoint; read it through {@link #tlsPolicy(Endpoint)}
 */
public record Cluster(String key, String host, String subset, int port, List<Endpoint> endpoints,
                      ClusterPolicy policy, LoadBalancer loadBalancer, OutlierDetector outlier, ConnectionPool pool,
                      boolean passthrough, LocalityPriorities priorities, ClientTlsPolicy tlsPolicy,
                      ClientTlsContext tlsContext, TransportSockets sockets) {

    /** A cluster whose TLS is the same for every endpoint. */
    public Cluster(String key, String host, String subset, int port, List<Endpoint> endpoints, ClusterPolicy policy,
                   LoadBalancer loadBalancer, OutlierDetector outlier, ConnectionPool pool, boolean passthrough,
                   LocalityPriorities priorities, ClientTlsPolicy tlsPolicy, ClientTlsContext tlsContext) {
        this(key, host, subset, port, endpoints, policy, loadBalancer, outlier, pool, passthrough, priorities,
                tlsPolicy, tlsContext, null);
    }

    public static String key(int port, String subset, String host) {
        return "outbound|" + port + "|" + (subset == null ? "" : subset) + "|" + host;
    }

    /**
     * The TLS towards {@code endpoint} (picked from this cluster), or null for plain text: the socket its
     * metadata chose when the cluster has {@code transport_socket_matches}, else {@link #tlsPolicy()}.
     */
    public ClientTlsPolicy tlsPolicy(Endpoint endpoint) {
        return sockets == null ? tlsPolicy : sockets.forEndpoint(endpoint).policy();
    }

    /** The TLS context compiled for {@link #tlsPolicy(Endpoint)}, or null (see {@link #tlsContext()}). */
    public ClientTlsContext tlsContext(Endpoint endpoint) {
        return sockets == null ? tlsContext : sockets.forEndpoint(endpoint).context();
    }

    /** Istio's load balancer name as {@code mesh route} shows it. */
    public String loadBalancerName() {
        return loadBalancer.name();
    }

    /**
     * Picks an endpoint for one attempt, among endpoints outlier detection has not ejected. Null when the
     * cluster has no usable endpoint ("no healthy upstream").
     */
    public Endpoint pick(RouteRequest request, Set<Endpoint> previousHosts, RandomGenerator random) {
        return pick(request, null, previousHosts, random);
    }

    /**
     * Like {@link #pick(RouteRequest, Set, RandomGenerator)}, hashing what {@code routeHash} names (Envoy's route
     * hash policies; null: nothing is hashed).
     */
    public Endpoint pick(RouteRequest request, RequestHash routeHash, Set<Endpoint> previousHosts,
                         RandomGenerator random) {
        if (endpoints.isEmpty()) {
            return null;
        }
        List<Endpoint> pool = endpoints;
        List<Endpoint> preferred = endpoints;
        WeightedLocalities localities = WeightedLocalities.NONE;
        if (priorities != null) {
            // Envoy's priority load: the nearest healthy locality level takes the traffic, spilling over as its
            // health drops.
            int level = priorities.levels().size() == 1 ? 0
                    : priorities.chooseLevel(e -> !outlier.isEjected(e), random);
            if (level >= 0) {
                pool = priorities.levels().get(level);
                preferred = priorities.preferred().get(level);
                localities = priorities.localities().get(level);
            }
        }
        // Envoy's locality-weighted balancing: localities without weight only when no weighted one is healthy.
        List<Endpoint> candidates = preferred != pool ? outlier.healthy(preferred) : List.of();
        boolean weighted = preferred == pool || !candidates.isEmpty();
        if (candidates.isEmpty()) {
            candidates = outlier.healthy(pool);
        }
        if (candidates.isEmpty()) {
            return null;
        }
        if (weighted && candidates != preferred && localities.applies()) {
            // Some weighted endpoints are ejected (not panic, which keeps them all): Envoy scales each locality
            // by its availability, so a locality is chosen first and the balancer picks within it.
            List<Endpoint> locality = localities.choose(outlier.ejectionEpoch(), outlier.ejectedTest(),
                    random != null ? random : ThreadLocalRandom.current());
            if (!locality.isEmpty()) {
                candidates = locality;
            }
        }
        return loadBalancer.pick(candidates, new PickContext(routeHash == null ? null : routeHash.key(request),
                previousHosts, random));
    }

    /** An adapter is about to send an attempt to {@code endpoint} (least-request in-flight counts). */
    public void attemptStarted(Endpoint endpoint) {
        loadBalancer.onAttemptStart(endpoint);
    }

    /**
     * The attempt to {@code endpoint} ended with {@code outcome}: feeds outlier detection and the balancer. Call
     * exactly once per {@link #attemptStarted}.
     */
    public void attemptFinished(Endpoint endpoint, AttemptOutcome outcome) {
        loadBalancer.onAttemptEnd(endpoint);
        outlier.report(endpoint, outcome);
    }

    /**
     * The attempt to {@code endpoint} ended without an outcome that says anything about the endpoint (the
     * application cancelled the call): releases its in-flight count without feeding outlier detection.
     */
    public void attemptAbandoned(Endpoint endpoint) {
        loadBalancer.onAttemptEnd(endpoint);
    }
}
