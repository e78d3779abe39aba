package io.proxyless.mesh.runtime.model;

import java.util.List;
import java.util.Objects;

/**
 * Envoy's {@code ClusterLoadAssignment}: the endpoints of one cluster (EDS; for Istio files the registry's
 * endpoints of the service port, narrowed to the subset's labels).
 *
 * @param clusterName            the cluster
 * @param endpoints              its endpoints
 * @param overprovisioningFactor Envoy's {@code policy.overprovisioning_factor} in percent (140 means 1.4): a priority
 *                               level's or locality's healthy share is multiplied by it (capped at 100 %) before
 *                               traffic spills to the next level or the locality's weight is scaled down. At least 1.
 */
public record ClusterLoadAssignment(String clusterName, List<LbEndpoint> endpoints, int overprovisioningFactor) {
    /** Envoy's default over-provisioning factor in percent, and what Istio sends. */
    public static final int DEFAULT_OVERPROVISIONING_FACTOR = 140;

    public ClusterLoadAssignment {
        Objects.requireNonNull(clusterName, "clusterName");
        endpoints = List.copyOf(endpoints);
        if (overprovisioningFactor < 1) {
            throw new IllegalArgumentException("overprovisioning factor must be at least 1 percent, was "
                    + overprovisioningFactor);
        }
    }

    /** The endpoints with Envoy's default over-provisioning factor. */
    public static ClusterLoadAssignment of(String clusterName, List<LbEndpoint> endpoints) {
        return new ClusterLoadAssignment(clusterName, endpoints, DEFAULT_OVERPROVISIONING_FACTOR);
    }

    public static ClusterLoadAssignment of(String clusterName, List<LbEndpoint> endpoints,
                                           int overprovisioningFactor) {
        return new ClusterLoadAssignment(clusterName, endpoints, overprovisioningFactor);
    }

    /** The same endpoints and policy under another cluster's name (an EDS resource shared by clusters). */
    public ClusterLoadAssignment named(String name) {
        return name.equals(clusterName) ? this : new ClusterLoadAssignment(name, endpoints, overprovisioningFactor);
    }
}
