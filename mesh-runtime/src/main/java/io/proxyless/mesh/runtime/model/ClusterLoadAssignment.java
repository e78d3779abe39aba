package io.proxyless.mesh.runtime.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Envoy's {@code ClusterLoadAssignment}: the endpoints of one cluster (EDS; for Istio files the registry's
 * endpoints of the service port, narrowed to the subset's labels).
 *
 * @param clusterName            the cluster
 * @param endpoints              its endpoints that take traffic
 * @param overprovisioningFactor Envoy's {@code policy.overprovisioning_factor} in percent (140 means 1.4): a priority
 *                               level's or locality's healthy share is multiplied by it (capped at 100 %) before
 *                               traffic spills to the next level or the locality's weight is scaled down. At least 1.
 * @param leftOutByPriority      how many endpoints of each priority were left out of {@code endpoints} because
 *                               their health status takes them out of load balancing (EDS {@code UNHEALTHY},
 *                               {@code DRAINING}, {@code TIMEOUT}); as in Envoy they still count against their
 *                               priority's health. Priorities with none are not listed.
 */
public record ClusterLoadAssignment(String clusterName, List<LbEndpoint> endpoints, int overprovisioningFactor,
                                    Map<Integer, Integer> leftOutByPriority) {
    /** Envoy's default over-provisioning factor in percent, and what Istio sends. */
    public static final int DEFAULT_OVERPROVISIONING_FACTOR = 140;

    public ClusterLoadAssignment {
        Objects.requireNonNull(clusterName, "clusterName");
        endpoints = List.copyOf(endpoints);
        if (overprovisioningFactor < 1) {
            throw new IllegalArgumentException("overprovisioning factor must be at least 1 percent, was "
                    + overprovisioningFactor);
        }
        leftOutByPriority = Map.copyOf(leftOutByPriority);
        leftOutByPriority.forEach((priority, count) -> {
            if (priority < 0 || count < 1) {
                throw new IllegalArgumentException("left-out endpoints need a priority of 0 or more and a count of"
                        + " at least 1, was " + count + " at priority " + priority);
            }
        });
    }

    /** The endpoints with Envoy's default over-provisioning factor. */
    public static ClusterLoadAssignment of(String clusterName, List<LbEndpoint> endpoints) {
        return new ClusterLoadAssignment(clusterName, endpoints, DEFAULT_OVERPROVISIONING_FACTOR, Map.of());
    }

    public static ClusterLoadAssignment of(String clusterName, List<LbEndpoint> endpoints,
                                           int overprovisioningFactor) {
        return new ClusterLoadAssignment(clusterName, endpoints, overprovisioningFactor, Map.of());
    }

    /** The same endpoints and policy under another cluster's name (an EDS resource shared by clusters). */
    public ClusterLoadAssignment named(String name) {
        return name.equals(clusterName) ? this
                : new ClusterLoadAssignment(name, endpoints, overprovisioningFactor, leftOutByPriority);
    }
}
