package io.proxyless.mesh.runtime.model;

import com.google.common.collect.ImmutableMap;
import java.util.HashSet;
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
        // Immutable and in the source's order (dumps read better that way); maps built by of(...) are taken as
        // they are, not copied again: a model holds an entry per cluster, and a one-service change builds a new
        // model of all of them.
        routeConfigurations = ImmutableMap.copyOf(routeConfigurations);
        clusters = ImmutableMap.copyOf(clusters);
        loadAssignments = ImmutableMap.copyOf(loadAssignments);
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
        return new MeshModel(
                byKey(routeConfigurations, RouteConfiguration::port, "two route configurations for port "),
                byKey(clusters, Cluster::name, "duplicate cluster "),
                byKey(loadAssignments, ClusterLoadAssignment::clusterName, "two load assignments for cluster "),
                outboundPolicy, warnings);
    }

    /** {@code values} by key, in order; a key twice is refused with {@code duplicate} and the key. */
    private static <K, V> ImmutableMap<K, V> byKey(List<V> values, java.util.function.Function<V, K> key,
                                                   String duplicate) {
        ImmutableMap.Builder<K, V> out = ImmutableMap.builderWithExpectedSize(values.size());
        for (V v : values) {
            out.put(key.apply(v), v);
        }
        ImmutableMap<K, V> map = out.buildKeepingLast();
        if (map.size() != values.size()) {
            java.util.Set<K> seen = new HashSet<>();
            for (V v : values) {
                if (!seen.add(key.apply(v))) {
                    throw new IllegalArgumentException(duplicate + key.apply(v));
                }
            }
        }
        return map;
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
}
