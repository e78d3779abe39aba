package io.proxyless.mesh.runtime.model;

import java.util.Map;
import java.util.Objects;

/**
 * Envoy's {@code LbEndpoint} with its locality: one address to send to.
 *
 * @param address        IP address, or a DNS name for {@link Cluster.Discovery#STRICT_DNS} clusters
 * @param port           port to connect to
 * @param weight         load-balancing weight, ≥ 1
 * @param locality       {@code region/zone/subzone}, or empty
 * @param priority       Envoy priority, 0 highest (locality failover puts farther localities lower)
 * @param labels         workload labels (Istio puts them in the endpoint's metadata)
 * @param serviceAccount the workload's service account (its SPIFFE identity for ISTIO_MUTUAL), or null
 * @param localityShare  the weight of the endpoint's locality within its priority (Envoy's locality
 *                       {@code load_balancing_weight}; Istio's locality {@code distribute} percentages), or 0 when
 *                       the locality has none. Applied only when the cluster's {@link LbPolicy#localityWeighted()}
 *                       is set: the endpoint's balancing weight is then
 *                       {@code localityShare × weight / (sum of its locality's weights)}, and, as in Envoy, an
 *                       endpoint whose locality has no share takes traffic only while no endpoint of a locality
 *                       with a share in its priority is healthy
 * @param transportSocketMatch the endpoint's {@code envoy.transport_socket_match} metadata (string values), which
 *                       the cluster's {@link TransportSocketMatch}es are matched against; Istio writes
 *                       {@code tlsMode} there from the workload's {@code security.istio.io/tlsMode} label
 */
public record LbEndpoint(String address, int port, int weight, String locality, int priority,
                         Map<String, String> labels, String serviceAccount, double localityShare,
                         Map<String, String> transportSocketMatch) {

    public LbEndpoint(String address, int port, int weight, String locality, int priority,
                      Map<String, String> labels, String serviceAccount) {
        this(address, port, weight, locality, priority, labels, serviceAccount, 0, Map.of());
    }

    public LbEndpoint(String address, int port, int weight, String locality, int priority,
                      Map<String, String> labels, String serviceAccount, double localityShare) {
        this(address, port, weight, locality, priority, labels, serviceAccount, localityShare, Map.of());
    }

    public LbEndpoint {
        if (localityShare < 0) {
            throw new IllegalArgumentException("endpoint " + address + ": locality share cannot be negative");
        }
        Objects.requireNonNull(address, "address");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("endpoint " + address + ": port " + port + " is not in [0, 65535]");
        }
        if (weight < 1) {
            throw new IllegalArgumentException("endpoint " + address + ": weight must be at least 1");
        }
        if (priority < 0) {
            throw new IllegalArgumentException("endpoint " + address + ": priority cannot be negative");
        }
        locality = locality == null ? "" : locality;
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        transportSocketMatch = transportSocketMatch == null ? Map.of() : Map.copyOf(transportSocketMatch);
    }

    /** An endpoint with weight 1, priority 0, no locality or labels. */
    public static LbEndpoint of(String address, int port) {
        return new LbEndpoint(address, port, 1, "", 0, Map.of(), null, 0, Map.of());
    }

    public LbEndpoint withWeight(int weight) {
        return new LbEndpoint(address, port, weight, locality, priority, labels, serviceAccount, localityShare,
                transportSocketMatch);
    }

    public LbEndpoint withLocality(String locality, int priority) {
        return new LbEndpoint(address, port, weight, locality, priority, labels, serviceAccount, localityShare,
                transportSocketMatch);
    }

    public LbEndpoint withLocalityShare(double localityShare) {
        return new LbEndpoint(address, port, weight, locality, priority, labels, serviceAccount, localityShare,
                transportSocketMatch);
    }

    public LbEndpoint withLabels(Map<String, String> labels) {
        return new LbEndpoint(address, port, weight, locality, priority, labels, serviceAccount, localityShare,
                transportSocketMatch);
    }

    /** This endpoint with {@code envoy.transport_socket_match} metadata {@code metadata}. */
    public LbEndpoint withTransportSocketMatch(Map<String, String> metadata) {
        return new LbEndpoint(address, port, weight, locality, priority, labels, serviceAccount, localityShare,
                metadata);
    }
}
