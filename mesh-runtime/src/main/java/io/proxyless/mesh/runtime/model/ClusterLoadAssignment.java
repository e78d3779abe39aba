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
 * @param leftOutByLocality      the same counts per locality of a priority, which a locality's availability is
 *                               taken over (Envoy counts them in the locality's hosts); either every left-out
 *                               endpoint of a priority is listed here by its locality or none is (then the
 *                               split over its localities is unknown)
 */
public record ClusterLoadAssignment(String clusterName, List<LbEndpoint> endpoints, int overprovisioningFactor,
                                    Map<Integer, Integer> leftOutByPriority,
                                    Map<PriorityLocality, Integer> leftOutByLocality) {
    /** Envoy's default over-provisioning factor in percent, and what Istio sends. */
    public static final int DEFAULT_OVERPROVISIONING_FACTOR = 140;

    /** A locality within one priority: Envoy's unit of locality weight. */
    public record PriorityLocality(int priority, String locality) {
        public PriorityLocality {
            Objects.requireNonNull(locality, "locality");
        }
    }

    /** Left-out counts per priority only: how they split over the priorities' localities is unknown. */
    public ClusterLoadAssignment(String clusterName, List<LbEndpoint> endpoints, int overprovisioningFactor,
                                 Map<Integer, Integer> leftOutByPriority) {
        this(clusterName, endpoints, overprovisioningFactor, leftOutByPriority, Map.of());
    }

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
        leftOutByLocality = Map.copyOf(leftOutByLocality);
        Map<Integer, Integer> sums = new java.util.HashMap<>();
        leftOutByLocality.forEach((locality, count) -> sums.merge(locality.priority(), count, Integer::sum));
        for (Map.Entry<Integer, Integer> sum : sums.entrySet()) {
            if (!sum.getValue().equals(leftOutByPriority.get(sum.getKey()))) {
                throw new IllegalArgumentException("left-out endpoints per locality of priority " + sum.getKey()
                        + " add up to " + sum.getValue() + ", not to the priority's "
                        + leftOutByPriority.getOrDefault(sum.getKey(), 0));
            }
        }
    }

    /**
     * How many endpoints of {@code locality} at {@code priority} were left out, or -1 when the priority has some
     * whose split over its localities is unknown.
     */
    public int leftOut(int priority, String locality) {
        if (!leftOutByPriority.containsKey(priority)) {
            return 0;
        }
        Integer count = leftOutByLocality.get(new PriorityLocality(priority, locality));
        if (count != null) {
            return count;
        }
        boolean listed = leftOutByLocality.keySet().stream().anyMatch(l -> l.priority() == priority);
        return listed ? 0 : -1;
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
                : new ClusterLoadAssignment(name, endpoints, overprovisioningFactor, leftOutByPriority,
                        leftOutByLocality);
    }
}
