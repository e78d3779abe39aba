package io.proxyless.mesh.runtime.balancing;

import io.proxyless.mesh.api.LocalityLoadBalancerSetting;
import io.proxyless.mesh.api.LocalityLoadBalancerSetting.Distribute;
import io.proxyless.mesh.api.LocalityLoadBalancerSetting.Failover;
import io.proxyless.mesh.runtime.registry.Endpoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Istio locality load balancing ({@code localityLbSetting}) for one client: splits a cluster's endpoints into
 * {@link LocalityPriorities priority levels}, or reweights them by {@code distribute}. Localities are
 * {@code region/zone/subzone}; the engine calls this once per cluster per snapshot, not per request.
 *
 * <p>What Istio does, and so what this does:
 * <ul>
 *   <li>{@code enabled: false}: no locality preference. A null setting means Istio's default mesh config,
 *       {@code localityLbSetting: {enabled: true}} with nothing else.</li>
 *   <li>{@code distribute} (checked first): the first entry whose {@code from} matches the client's locality
 *       gives each matching {@code to} locality its share of traffic; endpoints in localities no {@code to}
 *       matches get none. One priority level. Applied with or without outlier detection.</li>
 *   <li>Otherwise, <b>failover needs outlier detection</b>: Istio only prioritises by locality when the
 *       destination's traffic policy has {@code outlierDetection}, because without it nothing ever marks an
 *       endpoint unhealthy and traffic would never leave level 0. Without outlier detection: one level.</li>
 *   <li>Default failover: same region/zone/subzone as the client → same zone → same region → the rest.
 *       {@code failover: [{from: R1, to: R2}]}: for a client in R1, other regions' endpoints come after R2's.</li>
 *   <li>{@code failoverPriority: [label, label=value, ...]}: endpoints matching the client on more of the
 *       listed labels, in order, come first; region/zone/subzone/network come from the locality when not
 *       labels. Combined with the region/zone order only when {@code failover} is also given. Skipped when the
 *       client has no labels at all.</li>
 * </ul>
 *
 * <pre>{@code
 * LocalityPriorities p = LocalityPrioritizer.prioritize("us-east/a/1", Map.of(), setting, true, endpoints);
 * p.levels(); // [[us-east/a/1 endpoints], [us-east/a/*], [us-east/*], [rest]]  (empty levels dropped)
 * }</pre>
 */
public final class LocalityPrioritizer {

    static final String REGION_LABEL = "topology.kubernetes.io/region";
    static final String ZONE_LABEL = "topology.kubernetes.io/zone";
    static final String SUBZONE_LABEL = "topology.istio.io/subzone";
    static final String NETWORK_LABEL = "topology.istio.io/network";

    /** Istio gives the region/zone failover up to five ranks (0-4) inside each failoverPriority rank. */
    private static final int LOCALITY_RANKS = 5;

    private LocalityPrioritizer() {
    }

    /** {@link #prioritize(String, Map, LocalityLoadBalancerSetting, boolean, List)} for a client without labels. */
    public static LocalityPriorities prioritize(String clientLocality, LocalityLoadBalancerSetting setting,
                                                boolean outlierDetection, List<Endpoint> endpoints) {
        return prioritize(clientLocality, Map.of(), setting, outlierDetection, endpoints);
    }

    /**
     * Splits {@code endpoints} into priority levels for a client.
     *
     * @param clientLocality   the client's {@code region/zone/subzone} (empty or null when unknown: then, as in
     *                         Istio, endpoints without a locality count as "same locality")
     * @param clientLabels     the client workload's labels, for {@code failoverPriority}
     * @param setting          the effective setting (DestinationRule's, else mesh-wide), or null for Istio's
     *                         default (enabled, nothing else)
     * @param outlierDetection whether the destination's traffic policy has {@code outlierDetection}; failover is
     *                         only applied when it does
     * @param endpoints        the cluster's endpoints
     */
    public static LocalityPriorities prioritize(String clientLocality, Map<String, String> clientLabels,
                                                LocalityLoadBalancerSetting setting, boolean outlierDetection,
                                                List<Endpoint> endpoints) {
        if (setting != null && Boolean.FALSE.equals(setting.enabled())) {
            return LocalityPriorities.single(endpoints);
        }
        Locality client = Locality.parse(clientLocality);
        List<Distribute> distribute = setting == null ? List.of() : setting.distribute();
        if (!distribute.isEmpty()) {
            return distribute(client, distribute, endpoints);
        }
        if (!outlierDetection) {
            return LocalityPriorities.single(endpoints);
        }
        List<Failover> failover = setting == null ? List.of() : setting.failover();
        List<String> failoverPriority = setting == null ? List.of() : setting.failoverPriority();
        int[] rank = new int[endpoints.size()];
        boolean byLocality = true;
        if (!failoverPriority.isEmpty()) {
            Map<String, String> labels = withTopology(clientLabels, client, "");
            if (!labels.isEmpty()) {
                rankByLabels(labels, failoverPriority, endpoints, rank);
            }
            byLocality = !failover.isEmpty();
        }
        if (byLocality) {
            for (int i = 0; i < rank.length; i++) {
                rank[i] = rank[i] * LOCALITY_RANKS + localityRank(client, Locality.parse(endpoints.get(i).locality()),
                        failover);
            }
        }
        return levels(endpoints, rank);
    }

    /**
     * Istio's locality match: {@code pattern} is {@code region[/zone[/subzone]]} where any part may be {@code *}
     * and missing zone/subzone match anything.
     */
    public static boolean localityMatches(String locality, String pattern) {
        Locality l = Locality.parse(locality);
        Locality p = Locality.parse(pattern);
        return (p.region.equals("*") || p.region.equals(l.region))
                && (p.zone.isEmpty() || p.zone.equals("*") || p.zone.equals(l.zone))
                && (p.subzone.isEmpty() || p.subzone.equals("*") || p.subzone.equals(l.subzone));
    }

    /** 0 same subzone, 1 same zone, 2 same region, 3 other region, 4 other region not the failover target. */
    private static int localityRank(Locality client, Locality endpoint, List<Failover> failover) {
        if (client.region.equals(endpoint.region)) {
            if (client.zone.equals(endpoint.zone)) {
                return client.subzone.equals(endpoint.subzone) ? 0 : 1;
            }
            return 2;
        }
        for (Failover f : failover) {
            if (client.region.equals(f.from())) {
                return endpoint.region.equals(f.to()) ? 3 : 4;
            }
        }
        return 3;
    }

    /**
     * failoverPriority: an endpoint matching the client on all labels ranks 0; one that first differs on the
     * j-th of n labels ranks n - j, so matching a longer prefix of the list ranks better.
     */
    private static void rankByLabels(Map<String, String> clientLabels, List<String> failoverPriority,
                                     List<Endpoint> endpoints, int[] rank) {
        int n = failoverPriority.size();
        String[] names = new String[n];
        String[] wanted = new String[n];
        for (int j = 0; j < n; j++) {
            String entry = failoverPriority.get(j);
            int eq = entry.indexOf('=');
            // "label=value" ranks by that value instead of the client's own label value
            names[j] = eq < 0 ? entry : entry.substring(0, eq);
            wanted[j] = eq < 0 ? clientLabels.getOrDefault(names[j], "") : entry.substring(eq + 1);
        }
        for (int i = 0; i < rank.length; i++) {
            Endpoint endpoint = endpoints.get(i);
            Map<String, String> labels = withTopology(endpoint.labels(), Locality.parse(endpoint.locality()),
                    endpoint.network());
            for (int j = 0; j < n; j++) {
                if (!wanted[j].equals(labels.getOrDefault(names[j], ""))) {
                    rank[i] = n - j;
                    break;
                }
            }
        }
    }

    /** Labels plus the topology labels Istio derives from locality and network (its AugmentLabels). */
    private static Map<String, String> withTopology(Map<String, String> labels, Locality locality, String network) {
        Map<String, String> out = new HashMap<>(labels == null ? Map.of() : labels);
        if (!locality.region.isEmpty()) {
            out.put(REGION_LABEL, locality.region);
        }
        if (!locality.zone.isEmpty()) {
            out.put(ZONE_LABEL, locality.zone);
        }
        if (!locality.subzone.isEmpty()) {
            out.put(SUBZONE_LABEL, locality.subzone);
        }
        if (network != null && !network.isEmpty()) {
            out.putIfAbsent(NETWORK_LABEL, network);
        }
        return out;
    }

    /** Groups endpoints by rank into levels, lowest rank first, dropping ranks nobody has. */
    private static LocalityPriorities levels(List<Endpoint> endpoints, int[] rank) {
        TreeMap<Integer, List<Endpoint>> byRank = new TreeMap<>();
        for (int i = 0; i < rank.length; i++) {
            byRank.computeIfAbsent(rank[i], r -> new ArrayList<>()).add(endpoints.get(i));
        }
        return new LocalityPriorities(new ArrayList<>(byRank.values()), Map.of());
    }

    private static LocalityPriorities distribute(Locality client, List<Distribute> distribute,
                                                 List<Endpoint> endpoints) {
        for (Distribute rule : distribute) {
            if (rule.from() == null || !localityMatches(client.toString(), rule.from())) {
                continue;
            }
            // A locality's own weight is the sum of its endpoints' weights, as Istio builds it.
            Map<String, Integer> ownWeight = new LinkedHashMap<>();
            for (Endpoint e : endpoints) {
                ownWeight.merge(e.locality(), e.weight(), Integer::sum);
            }
            Map<String, Double> localityWeight = new HashMap<>();
            Set<String> matched = new HashSet<>();
            for (Map.Entry<String, Integer> to : rule.to().entrySet()) {
                List<String> newlyMatched = new ArrayList<>();
                long total = 0;
                for (Map.Entry<String, Integer> locality : ownWeight.entrySet()) {
                    if (!matched.contains(locality.getKey()) && localityMatches(locality.getKey(), to.getKey())) {
                        newlyMatched.add(locality.getKey());
                        total += locality.getValue();
                    }
                }
                int share = to.getValue() == null ? 0 : to.getValue();
                for (String locality : newlyMatched) {
                    matched.add(locality);
                    int own = ownWeight.get(locality);
                    // A wildcard matching several localities splits its share by their own weights. Like Istio,
                    // a zero share leaves the locality at its own weight rather than removing it.
                    double scaled = (double) own * share / total;
                    localityWeight.put(locality, scaled > 0 ? Math.ceil(scaled) : own);
                }
            }
            List<Endpoint> kept = new ArrayList<>();
            Map<Endpoint, Double> weights = new HashMap<>();
            for (Endpoint e : endpoints) {
                Double locality = localityWeight.get(e.locality());
                if (locality != null) {
                    kept.add(e);
                    // Envoy picks a locality by its weight, then an endpoint by weight within it; one weight per
                    // endpoint with the same product gives the same shares.
                    weights.put(e, locality * e.weight() / ownWeight.get(e.locality()));
                }
            }
            return new LocalityPriorities(List.of(kept), weights);
        }
        return LocalityPriorities.single(endpoints);
    }

    /** A parsed {@code region/zone/subzone}; missing parts are empty. */
    private record Locality(String region, String zone, String subzone) {
        static Locality parse(String locality) {
            if (locality == null || locality.isEmpty()) {
                return new Locality("", "", "");
            }
            String[] parts = locality.split("/", -1);
            return new Locality(parts[0], parts.length > 1 ? parts[1] : "", parts.length > 2 ? parts[2] : "");
        }

        @Override
        public String toString() {
            return region + "/" + zone + "/" + subzone;
        }
    }
}
