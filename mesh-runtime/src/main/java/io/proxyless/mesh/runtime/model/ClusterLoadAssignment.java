package io.proxyless.mesh.runtime.model;

import java.util.List;
import java.util.Objects;

/**
 * Envoy's {@code ClusterLoadAssignment}: the endpoints of one cluster (EDS; for Istio files the registry's
 * endpoints of the service port, narrowed to the subset's labels).
 *
 * @param clusterName the cluster
 * @param endpoints   its endpoints
 */
public record ClusterLoadAssignment(String clusterName, List<LbEndpoint> endpoints) {
    public ClusterLoadAssignment {
        Objects.requireNonNull(clusterName, "clusterName");
        endpoints = List.copyOf(endpoints);
    }

    public static ClusterLoadAssignment of(String clusterName, List<LbEndpoint> endpoints) {
        return new ClusterLoadAssignment(clusterName, endpoints);
    }
}
