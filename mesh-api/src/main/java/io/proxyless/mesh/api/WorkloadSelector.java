package io.proxyless.mesh.api;

import java.util.Map;

/**
 * Istio networking {@code WorkloadSelector}, used by {@link Sidecar} and {@link ServiceEntry}: workloads carrying
 * all of {@link #labels()}. ({@link DestinationRule} uses a different message with {@code matchLabels}; see
 * {@link WorkloadSelectorV1beta1}.)
 *
 * @param labels labels a workload must all carry (no wildcards)
 */
public record WorkloadSelector(Map<String, String> labels) {
    public WorkloadSelector {
        labels = Immutables.map(labels);
    }

    public static WorkloadSelector of(Map<String, String> labels) {
        return new WorkloadSelector(labels);
    }
}
