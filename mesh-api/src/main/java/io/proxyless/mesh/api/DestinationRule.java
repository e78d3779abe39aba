package io.proxyless.mesh.api;

import java.util.List;

/**
 * Spec of an Istio {@code DestinationRule}: what happens to traffic for {@link #host()} after routing —
 * load balancing, connection limits, outlier detection, TLS — and the named {@link #subsets()} that routes
 * refer to.
 *
 * <pre>{@code
 * DestinationRule reviews = DestinationRule.of("reviews",
 *         TrafficPolicy.of(LoadBalancerSettings.simple(LoadBalancerSettings.SimpleLB.ROUND_ROBIN)),
 *         List.of(Subset.of("v1", Map.of("version", "v1")), Subset.of("v2", Map.of("version", "v2"))));
 * }</pre>
 *
 * @param host             the service the rule is for (short name, FQDN or wildcard); required
 * @param trafficPolicy    policy for all traffic to the host
 * @param subsets          named groups of endpoints, each with an optional policy of its own
 * @param exportTo         namespaces that can see this rule ({@code .}, {@code *} or a name); all when empty
 * @param workloadSelector the client workloads the rule applies to; all workloads in the namespace when null.
 *                         Note Istio uses {@code matchLabels} here, unlike {@code Sidecar}'s {@code labels}.
 */
public record DestinationRule(
        String host,
        TrafficPolicy trafficPolicy,
        List<Subset> subsets,
        List<String> exportTo,
        WorkloadSelectorV1beta1 workloadSelector) {

    public DestinationRule {
        subsets = Immutables.list(subsets);
        exportTo = Immutables.list(exportTo);
    }

    public static DestinationRule of(String host, TrafficPolicy trafficPolicy, List<Subset> subsets) {
        return new DestinationRule(host, trafficPolicy, subsets, List.of(), null);
    }
}
