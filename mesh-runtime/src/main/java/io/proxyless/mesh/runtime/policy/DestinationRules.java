package io.proxyless.mesh.runtime.policy;

import io.proxyless.mesh.api.DestinationRule;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.Subset;
import io.proxyless.mesh.api.TrafficPolicy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The DestinationRules that apply to one host, merged the way Istio merges several rules for one host: the
 * first top-level traffic policy wins and the first definition of each subset wins (later ones are ignored, and
 * reported as warnings by whoever builds this).
 *
 * <p>{@link #policy(String, int)} applies Istio's precedence for a (subset, port):
 * <ol>
 *   <li>a top-level {@code portLevelSettings} entry for the port replaces the whole top-level policy;</li>
 *   <li>a subset policy without an entry for the port replaces each block it sets;</li>
 *   <li>a subset policy with an entry for the port supplies all four blocks from that entry, even unset ones.</li>
 * </ol>
 */
public final class DestinationRules {
    public static final DestinationRules NONE = new DestinationRules(null, Map.of(), List.of());

    private final TrafficPolicy topLevel;
    private final Map<String, Subset> subsets;
    private final List<String> sources;

    private DestinationRules(TrafficPolicy topLevel, Map<String, Subset> subsets, List<String> sources) {
        this.topLevel = topLevel;
        this.subsets = subsets;
        this.sources = sources;
    }

    /**
     * Merges {@code rules} (in precedence order) for one host. Ignored duplicates are added to {@code warnings}.
     */
    public static DestinationRules merge(List<Resource<DestinationRule>> rules, List<String> warnings) {
        if (rules.isEmpty()) {
            return NONE;
        }
        TrafficPolicy top = null;
        String topFrom = null;
        Map<String, Subset> subsets = new LinkedHashMap<>();
        Map<String, String> subsetFrom = new LinkedHashMap<>();
        List<String> sources = new ArrayList<>();
        for (Resource<DestinationRule> r : rules) {
            sources.add(r.metadata().key());
            DestinationRule dr = r.spec();
            if (dr.trafficPolicy() != null) {
                if (top == null) {
                    top = dr.trafficPolicy();
                    topFrom = r.metadata().key();
                } else {
                    warnings.add("DestinationRule " + r.metadata().key() + ": top-level trafficPolicy ignored; "
                            + "DestinationRule " + topFrom + " for the same host came first");
                }
            }
            for (Subset s : dr.subsets()) {
                if (s.name() == null) {
                    continue;
                }
                if (subsets.putIfAbsent(s.name(), s) == null) {
                    subsetFrom.put(s.name(), r.metadata().key());
                } else if (!subsetFrom.get(s.name()).equals(r.metadata().key())) {
                    warnings.add("DestinationRule " + r.metadata().key() + ": subset " + s.name() + " ignored; "
                            + "DestinationRule " + subsetFrom.get(s.name()) + " defines it first");
                }
            }
        }
        return new DestinationRules(top, Map.copyOf(subsets), List.copyOf(sources));
    }

    public Optional<Subset> subset(String name) {
        return Optional.ofNullable(subsets.get(name));
    }

    public Map<String, Subset> subsets() {
        return subsets;
    }

    /** {@code ns/name} of the rules merged here, in precedence order. */
    public List<String> sources() {
        return sources;
    }

    /** The effective policy for {@code subset} (null for none) on service port {@code port}. */
    public ClusterPolicy policy(String subset, int port) {
        ClusterPolicy base = topLevel == null ? ClusterPolicy.NONE : forPort(topLevel, port);
        Subset s = subset == null ? null : subsets.get(subset);
        if (s == null || s.trafficPolicy() == null) {
            return base;
        }
        TrafficPolicy sp = s.trafficPolicy();
        TrafficPolicy.PortTrafficPolicy subsetPort = portEntry(sp, port);
        if (subsetPort != null) {
            return new ClusterPolicy(subsetPort.loadBalancer(), subsetPort.connectionPool(),
                    subsetPort.outlierDetection(), subsetPort.tls());
        }
        return new ClusterPolicy(
                sp.loadBalancer() != null ? sp.loadBalancer() : base.loadBalancer(),
                sp.connectionPool() != null ? sp.connectionPool() : base.connectionPool(),
                sp.outlierDetection() != null ? sp.outlierDetection() : base.outlierDetection(),
                sp.tls() != null ? sp.tls() : base.tls());
    }

    private static ClusterPolicy forPort(TrafficPolicy policy, int port) {
        TrafficPolicy.PortTrafficPolicy entry = portEntry(policy, port);
        if (entry != null) {
            return new ClusterPolicy(entry.loadBalancer(), entry.connectionPool(), entry.outlierDetection(),
                    entry.tls());
        }
        return new ClusterPolicy(policy.loadBalancer(), policy.connectionPool(), policy.outlierDetection(),
                policy.tls());
    }

    private static TrafficPolicy.PortTrafficPolicy portEntry(TrafficPolicy policy, int port) {
        for (TrafficPolicy.PortTrafficPolicy p : policy.portLevelSettings()) {
            if (p.port() != null && p.port().number() != null && p.port().number() == port) {
                return p;
            }
        }
        return null;
    }
}
