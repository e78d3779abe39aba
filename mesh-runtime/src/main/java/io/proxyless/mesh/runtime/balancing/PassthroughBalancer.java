package io.proxyless.mesh.runtime.balancing;

import io.proxyless.mesh.runtime.registry.Endpoint;
import java.util.List;

/**
 * Istio {@code PASSTHROUGH}: no balancing. The adapter connects to the address the caller asked for (Envoy's
 * ORIGINAL_DST cluster); the candidate list is that one destination, so the first candidate is returned, retries
 * included.
 */
final class PassthroughBalancer implements LoadBalancer {

    static final PassthroughBalancer INSTANCE = new PassthroughBalancer();

    private PassthroughBalancer() {
    }

    @Override
    public Endpoint pick(List<Endpoint> candidates, PickContext context) {
        return candidates.isEmpty() ? null : candidates.get(0);
    }

    @Override
    public String name() {
        return "PASSTHROUGH";
    }
}
