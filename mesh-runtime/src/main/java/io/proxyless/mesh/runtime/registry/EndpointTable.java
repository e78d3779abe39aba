package io.proxyless.mesh.runtime.registry;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The endpoints of one {@link MeshService}, per service port, and the subset views of them.
 *
 * <p>Built once per config snapshot. {@link #endpoints(int, Map)} must be cheap because it runs for every
 * request that names a subset: the registry fills the subset cache at build time with every subset the
 * DestinationRules define ({@link #precompute}), so a request only does a hash lookup. A label set nobody
 * precomputed is filtered once and memoised; the cache is bounded by the label sets callers use, which come
 * from config, not from requests.
 *
 * <pre>{@code
 * List<Endpoint> all = table.endpoints(9080);
 * List<Endpoint> v2 = table.endpoints(9080, Map.of("version", "v2"));
 * }</pre>
 *
 * <p>Equality is by the endpoints per port; the cache is not part of it.
 */
public final class EndpointTable {
    /** A table with no endpoints on any port. */
    public static final EndpointTable EMPTY = new EndpointTable(Map.of());

    private final Map<Integer, List<Endpoint>> byPort;
    private final ConcurrentHashMap<SubsetKey, List<Endpoint>> subsets = new ConcurrentHashMap<>();

    private EndpointTable(Map<Integer, List<Endpoint>> byPort) {
        this.byPort = byPort;
    }

    /** A table holding {@code byPort} (service port number → endpoints, in order); copied. */
    public static EndpointTable of(Map<Integer, List<Endpoint>> byPort) {
        Objects.requireNonNull(byPort, "byPort");
        // TreeMap: ports print in order in dumps. Most services have one port: a one-entry map is enough.
        TreeMap<Integer, List<Endpoint>> copy = new TreeMap<>();
        byPort.forEach((port, endpoints) -> copy.put(port, List.copyOf(endpoints)));
        if (copy.size() == 1) {
            return new EndpointTable(Map.of(copy.firstKey(), copy.firstEntry().getValue()));
        }
        return copy.isEmpty() ? EMPTY : new EndpointTable(java.util.Collections.unmodifiableMap(copy));
    }

    /** The service ports that have endpoints. */
    public Set<Integer> ports() {
        return byPort.keySet();
    }

    /** The endpoints of service port {@code port}, in config order; empty for an unknown port. */
    public List<Endpoint> endpoints(int port) {
        return byPort.getOrDefault(port, List.of());
    }

    /**
     * The endpoints of service port {@code port} that carry all of {@code labels} (a DestinationRule subset's
     * label selector), in config order. Empty labels select every endpoint, as an Istio subset without labels
     * does.
     */
    public List<Endpoint> endpoints(int port, Map<String, String> labels) {
        if (labels == null || labels.isEmpty()) {
            return endpoints(port);
        }
        List<Endpoint> all = byPort.get(port);
        if (all == null) {
            return List.of();
        }
        SubsetKey key = new SubsetKey(port, labels);
        List<Endpoint> cached = subsets.get(key);
        if (cached != null) {
            return cached;
        }
        // Copy the caller's map for the key: it may be mutable.
        return subsets.computeIfAbsent(new SubsetKey(port, Map.copyOf(labels)), k -> select(all, k.labels()));
    }

    /** Fills the subset cache for {@code labels} on every port, so requests never filter. */
    void precompute(Map<String, String> labels) {
        if (labels.isEmpty()) {
            return;
        }
        for (Integer port : byPort.keySet()) {
            endpoints(port, labels);
        }
    }

    /** How many (port, labels) views are cached; for tests and dumps. */
    int cachedSubsets() {
        return subsets.size();
    }

    private static List<Endpoint> select(List<Endpoint> endpoints, Map<String, String> labels) {
        return endpoints.stream().filter(e -> carries(e.labels(), labels)).toList();
    }

    /** {@code labels} ⊆ {@code workload}: Istio's label selector (exact values, no wildcards). */
    static boolean carries(Map<String, String> workload, Map<String, String> labels) {
        for (Map.Entry<String, String> wanted : labels.entrySet()) {
            if (!wanted.getValue().equals(workload.get(wanted.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EndpointTable other && byPort.equals(other.byPort);
    }

    @Override
    public int hashCode() {
        return byPort.hashCode();
    }

    @Override
    public String toString() {
        return byPort.toString();
    }

    private record SubsetKey(int port, Map<String, String> labels) {
    }
}
