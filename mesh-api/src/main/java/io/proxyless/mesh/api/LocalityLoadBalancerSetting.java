package io.proxyless.mesh.api;

import java.util.List;
import java.util.Map;

/**
 * Istio {@code LocalityLoadBalancerSetting}: prefer endpoints near the caller (region/zone/subzone) and say where
 * traffic goes when they fail. {@code distribute}, {@code failover} and {@code failoverPriority} are checked by
 * validation for compatible combinations.
 *
 * @param distribute       explicit traffic shares per locality
 * @param failover         region to fail over to, per region
 * @param failoverPriority ordered labels (or {@code label=value}) that rank endpoints by closeness to the caller
 * @param enabled          turn locality balancing on or off for this destination
 */
public record LocalityLoadBalancerSetting(
        List<Distribute> distribute,
        List<Failover> failover,
        List<String> failoverPriority,
        Boolean enabled) {

    public LocalityLoadBalancerSetting {
        distribute = Immutables.list(distribute);
        failover = Immutables.list(failover);
        failoverPriority = Immutables.list(failoverPriority);
    }

    /**
     * Istio {@code LocalityLoadBalancerSetting.Distribute}: how traffic from one locality is shared out.
     *
     * @param from originating locality, {@code region/zone/subzone}, wildcards allowed
     * @param to   locality → weight; weights must total 100
     */
    public record Distribute(String from, Map<String, Integer> to) {
        public Distribute {
            to = Immutables.map(to);
        }
    }

    /**
     * Istio {@code LocalityLoadBalancerSetting.Failover}.
     *
     * @param from region whose endpoints fail
     * @param to   region traffic moves to
     */
    public record Failover(String from, String to) {
    }
}
