package io.proxyless.mesh.api;

import java.util.List;

/**
 * Istio {@code ZoneAwareLoadBalancerSetting}: Envoy zone-aware routing. Parsed, but the client-side mesh does not
 * act on it (see {@link LoadBalancerSettings#zoneAwareLbSetting()}).
 *
 * @param enabled          turn zone-aware routing on or off for this destination
 * @param failover         region to fail over to, per region
 * @param failoverPriority ordered labels ranking endpoints (region/zone/subzone labels not allowed)
 * @param minClusterSize   fewest endpoints in the local region for zone awareness to apply; 6 when unset
 */
public record ZoneAwareLoadBalancerSetting(
        Boolean enabled,
        List<Failover> failover,
        List<String> failoverPriority,
        Long minClusterSize) {

    public ZoneAwareLoadBalancerSetting {
        failover = Immutables.list(failover);
        failoverPriority = Immutables.list(failoverPriority);
    }

    /**
     * Istio {@code ZoneAwareLoadBalancerSetting.Failover}.
     *
     * @param from region whose endpoints fail
     * @param to   region traffic moves to
     */
    public record Failover(String from, String to) {
    }
}
