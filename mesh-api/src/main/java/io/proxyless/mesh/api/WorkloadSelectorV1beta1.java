package io.proxyless.mesh.api;

import java.util.Map;

/**
 * Istio {@code istio.type.v1beta1.WorkloadSelector}, the selector {@link DestinationRule#workloadSelector()}
 * uses. It is a different proto message from the networking {@link WorkloadSelector} (used by Sidecar and
 * ServiceEntry) and spells its field {@code matchLabels}, not {@code labels}; the Java name carries the proto
 * package so the two cannot be confused.
 *
 * @param matchLabels labels a workload must all carry to be selected (no wildcards)
 */
public record WorkloadSelectorV1beta1(Map<String, String> matchLabels) {
    public WorkloadSelectorV1beta1 {
        matchLabels = Immutables.map(matchLabels);
    }

    public static WorkloadSelectorV1beta1 of(Map<String, String> matchLabels) {
        return new WorkloadSelectorV1beta1(matchLabels);
    }
}
