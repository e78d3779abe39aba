package io.proxyless.mesh.api;

import java.util.Map;

/**
 * Istio {@code Subset}: a named group of a service's endpoints, chosen by labels, that routes can target with
 * {@link Destination#subset()}. Its policy overrides the rule's top-level policy block by block.
 *
 * @param name          subset name, unique within the rule; required
 * @param labels        labels an endpoint must all carry to belong to the subset
 * @param trafficPolicy policy for this subset only
 */
public record Subset(String name, Map<String, String> labels, TrafficPolicy trafficPolicy) {
    public Subset {
        labels = Immutables.map(labels);
    }

    public static Subset of(String name, Map<String, String> labels) {
        return new Subset(name, labels, null);
    }
}
