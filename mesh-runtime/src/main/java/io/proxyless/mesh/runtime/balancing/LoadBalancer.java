package io.proxyless.mesh.runtime.balancing;

import io.proxyless.mesh.runtime.registry.Endpoint;
import java.util.List;

/**
 * Chooses one endpoint of a cluster (service host + subset + port) for one attempt. An instance is built per
 * cluster per config snapshot by {@link LoadBalancers#create}, and may keep state that must survive between
 * requests (round-robin position, in-flight counts, hash rings); that state is thread-safe and lock-free.
 */
public interface LoadBalancer {

    /**
     * Picks an endpoint among {@code candidates} (already filtered to healthy ones by outlier detection; never
     * empty), or returns null when none is acceptable (e.g. all were tried before and the policy forbids
     * reuse).
     */
    Endpoint pick(List<Endpoint> candidates, PickContext context);

    /** Istio's name for the policy, for decisions and dumps: ROUND_ROBIN, LEAST_REQUEST, RANDOM, PASSTHROUGH, RING_HASH, MAGLEV. */
    String name();

    /**
     * Tells the balancer that an attempt to {@code endpoint} has started (the adapter calls it right after
     * {@link #pick} returned it and before sending). Least-request balancing counts these as in-flight requests.
     * Every call must be matched by exactly one {@link #onAttemptEnd} for the same endpoint, whatever the
     * outcome (response, error, cancellation, timeout).
     */
    default void onAttemptStart(Endpoint endpoint) {
    }

    /** Tells the balancer that an attempt started with {@link #onAttemptStart} has finished. */
    default void onAttemptEnd(Endpoint endpoint) {
    }

    /**
     * Attempts to {@code endpoint} started and not yet ended, for dumps; 0 for an endpoint the balancer does not
     * count (passthrough).
     */
    default int inFlight(Endpoint endpoint) {
        return 0;
    }
}
