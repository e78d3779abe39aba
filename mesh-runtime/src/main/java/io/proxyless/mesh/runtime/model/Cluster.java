package io.proxyless.mesh.runtime.model;

import java.util.List;
import java.util.Objects;

/**
 * Envoy's {@code Cluster}: a set of endpoints and how to reach them — discovery, load balancing, outlier
 * detection, circuit breakers, connection settings and TLS (Istio: the DestinationRule policy merged for the
 * cluster's port and subset). Its endpoints are in the {@link ClusterLoadAssignment} of the same name.
 *
 * <pre>{@code
 * Cluster.eds(ClusterKey.of(9080, "v1", "reviews.default.svc.cluster.local"))
 *        .withLbPolicy(LbPolicy.roundRobin())
 *        .withOutlierDetection(OutlierDetection.consecutive5xx(5, Duration.ofSeconds(10), Duration.ofSeconds(30)));
 * }</pre>
 *
 * @param name              the cluster's name (for Istio clusters {@code key.name()})
 * @param key               the service, port and subset it stands for, or null when the source gives none
 * @param discovery         where endpoints come from
 * @param lbPolicy          load balancing
 * @param outlierDetection  outlier detection, or null when off
 * @param circuitBreakers   request and connection limits
 * @param connection        connect timeout, idle timeout, keep-alives
 * @param tls               TLS towards the endpoints, or null for plain text (Envoy's {@code transport_socket}:
 *                          for the endpoints no entry of {@code transportSocketMatches} matches)
 * @param transportSocketMatches per-endpoint transport sockets, first match wins (Envoy's
 *                          {@code transport_socket_matches}; Istio's auto mTLS), or empty
 */
public record Cluster(String name, ClusterKey key, Discovery discovery, LbPolicy lbPolicy,
                      OutlierDetection outlierDetection, CircuitBreakers circuitBreakers,
                      ConnectionSettings connection, UpstreamTls tls,
                      List<TransportSocketMatch> transportSocketMatches) {

    /** Envoy's cluster discovery types that a client acts on. */
    public enum Discovery {
        /** Endpoints listed by the control plane (Istio {@code resolution: STATIC}, Kubernetes services). */
        EDS,
        /** Endpoints are DNS names, resolved when connecting (Istio {@code resolution: DNS}). */
        STRICT_DNS,
        /** Connect to the address the request names (Istio {@code resolution: NONE}, the passthrough cluster). */
        ORIGINAL_DST
    }

    /** A cluster without per-endpoint transport sockets. */
    public Cluster(String name, ClusterKey key, Discovery discovery, LbPolicy lbPolicy,
                   OutlierDetection outlierDetection, CircuitBreakers circuitBreakers, ConnectionSettings connection,
                   UpstreamTls tls) {
        this(name, key, discovery, lbPolicy, outlierDetection, circuitBreakers, connection, tls, List.of());
    }

    public Cluster {
        Objects.requireNonNull(name, "name");
        transportSocketMatches = transportSocketMatches == null ? List.of() : List.copyOf(transportSocketMatches);
        Objects.requireNonNull(discovery, "discovery");
        lbPolicy = lbPolicy == null ? LbPolicy.leastRequest() : lbPolicy;
        circuitBreakers = circuitBreakers == null ? CircuitBreakers.DEFAULT : circuitBreakers;
        connection = connection == null ? ConnectionSettings.DEFAULT : connection;
        if (key != null && !key.name().equals(name)) {
            throw new IllegalArgumentException("cluster " + name + " is keyed " + key.name());
        }
    }

    /** An EDS cluster for an Istio service, with Istio's sidecar defaults (least request, no limits). */
    public static Cluster eds(ClusterKey key) {
        return new Cluster(key.name(), key, Discovery.EDS, null, null, null, null, null);
    }

    /** A cluster with {@code discovery}, named by the source (no Istio key). */
    public static Cluster named(String name, Discovery discovery) {
        return new Cluster(name, null, discovery, null, null, null, null, null);
    }

    /** A cluster for an Istio service with the given discovery. */
    public static Cluster of(ClusterKey key, Discovery discovery) {
        return new Cluster(key.name(), key, discovery, null, null, null, null, null);
    }

    public Cluster withLbPolicy(LbPolicy lbPolicy) {
        return new Cluster(name, key, discovery, lbPolicy, outlierDetection, circuitBreakers, connection, tls,
                transportSocketMatches);
    }

    public Cluster withOutlierDetection(OutlierDetection outlierDetection) {
        return new Cluster(name, key, discovery, lbPolicy, outlierDetection, circuitBreakers, connection, tls,
                transportSocketMatches);
    }

    public Cluster withCircuitBreakers(CircuitBreakers circuitBreakers) {
        return new Cluster(name, key, discovery, lbPolicy, outlierDetection, circuitBreakers, connection, tls,
                transportSocketMatches);
    }

    public Cluster withConnection(ConnectionSettings connection) {
        return new Cluster(name, key, discovery, lbPolicy, outlierDetection, circuitBreakers, connection, tls,
                transportSocketMatches);
    }

    public Cluster withTls(UpstreamTls tls) {
        return new Cluster(name, key, discovery, lbPolicy, outlierDetection, circuitBreakers, connection, tls,
                transportSocketMatches);
    }

    public Cluster withTransportSocketMatches(List<TransportSocketMatch> transportSocketMatches) {
        return new Cluster(name, key, discovery, lbPolicy, outlierDetection, circuitBreakers, connection, tls,
                transportSocketMatches);
    }
}
