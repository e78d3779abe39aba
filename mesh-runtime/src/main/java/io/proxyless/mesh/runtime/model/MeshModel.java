package io.proxyless.mesh.runtime.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything one client needs to route: route configurations per listener port, clusters and their endpoints.
 * Built by a source (Istio files through the Istio compiler, or xDS through its parsers) and compiled by the
 * runtime into the request path's snapshot.
 *
 * @param routeConfigurations route configurations by listener port
 * @param clusters            clusters by name
 * @param loadAssignments     endpoints by cluster name (a cluster without an entry has no endpoints)
 * @param outboundPolicy      what happens to hosts no virtual host names
 * @param warnings            what the source could not carry out or ignored, for logs and dumps
 */
public record MeshModel(Map<Integer, RouteConfiguration> routeConfigurations, Map<String, Cluster> clusters,
                        Map<String, ClusterLoadAssignment> loadAssignments, OutboundPolicy outboundPolicy,
                        List<String> warnings) {

    /** Istio's {@code outboundTrafficPolicy.mode}: Envoy's passthrough cluster, or a 502 for unknown hosts. */
    public enum OutboundPolicy {
        ALLOW_ANY,
        REGISTRY_ONLY
    }

    public MeshModel {
        routeConfigurations = Map.copyOf(routeConfigurations);
        clusters = unmodifiableOrdered(clusters);
        loadAssignments = Map.copyOf(loadAssignments);
        Objects.requireNonNull(outboundPolicy, "outboundPolicy");
        warnings = List.copyOf(warnings);
        for (Map.Entry<String, Cluster> e : clusters.entrySet()) {
            if (!e.getKey().equals(e.getValue().name())) {
                throw new IllegalArgumentException("cluster " + e.getValue().name() + " filed under " + e.getKey());
            }
        }
    }

    /** A model from lists (clusters keyed by their names, load assignments by their cluster names). */
    public static MeshModel of(List<RouteConfiguration> routeConfigurations, List<Cluster> clusters,
                               List<ClusterLoadAssignment> loadAssignments, OutboundPolicy outboundPolicy,
                               List<String> warnings) {
        Map<Integer, RouteConfiguration> routes = new LinkedHashMap<>();
        for (RouteConfiguration rc : routeConfigurations) {
            if (routes.putIfAbsent(rc.port(), rc) != null) {
                throw new IllegalArgumentException("two route configurations for port " + rc.port());
            }
        }
        Map<String, Cluster> byName = new LinkedHashMap<>();
        for (Cluster c : clusters) {
            if (byName.putIfAbsent(c.name(), c) != null) {
                throw new IllegalArgumentException("duplicate cluster " + c.name());
            }
        }
        Map<String, ClusterLoadAssignment> endpoints = new LinkedHashMap<>();
        for (ClusterLoadAssignment a : loadAssignments) {
            if (endpoints.putIfAbsent(a.clusterName(), a) != null) {
                throw new IllegalArgumentException("two load assignments for cluster " + a.clusterName());
            }
        }
        return new MeshModel(routes, byName, endpoints, outboundPolicy, warnings);
    }

    /** The route configuration for listener {@code port}, if any. */
    public Optional<RouteConfiguration> routeConfiguration(int port) {
        return Optional.ofNullable(routeConfigurations.get(port));
    }

    /** The endpoints of cluster {@code name}; empty when it has none. */
    public List<LbEndpoint> endpoints(String clusterName) {
        ClusterLoadAssignment a = loadAssignments.get(clusterName);
        return a == null ? List.of() : a.endpoints();
    }

    private static <K, V> Map<K, V> unmodifiableOrdered(Map<K, V> map) {
        // Cluster order is the order the source produced them (dumps read better that way), so no Map.copyOf.
        return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }
}
