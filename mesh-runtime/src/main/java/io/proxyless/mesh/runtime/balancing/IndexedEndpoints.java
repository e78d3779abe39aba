package io.proxyless.mesh.runtime.balancing;

import io.proxyless.mesh.runtime.registry.Endpoint;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The cluster endpoints a balancer was built from, frozen for one config snapshot: their order (the index every
 * per-endpoint array uses), static weights, shared in-flight counters and first-seen times. Immutable after
 * construction, so concurrent reads need no synchronisation; the counters it points to are atomics.
 */
final class IndexedEndpoints {

    /** How far ahead of a hint {@link #indexOf} looks before falling back to a map lookup. */
    private static final int HINT_WINDOW = 4;
    /** Clusters with at most this many endpoints are searched without index maps. */
    private static final int LINEAR_SEARCH_MAX = 8;

    private final Endpoint[] endpoints;
    private final Map<Endpoint, Integer> byIdentity;
    private final Map<Endpoint, Integer> byValue;
    private final double[] weights;
    private final double maxWeight;
    private final boolean equalWeights;
    private final EndpointTracker tracker;
    private final EndpointTracker.Slot[] slots;
    private final SlowStart slowStart;
    /** When the youngest endpoint finishes warming up; meaningless without {@link #slowStart}. */
    private final long warmUntilNanos;

    IndexedEndpoints(List<Endpoint> clusterEndpoints, ToDoubleFunction<Endpoint> weightOf, EndpointTracker tracker,
                  SlowStart slowStart) {
        int n = clusterEndpoints.size();
        this.endpoints = clusterEndpoints.toArray(new Endpoint[0]);
        // A small cluster (most are) is searched slot by slot, which is as fast as hashing and keeps no maps.
        boolean indexed = n > LINEAR_SEARCH_MAX;
        this.byIdentity = indexed ? new IdentityHashMap<>(n * 2) : null;
        this.byValue = indexed ? new HashMap<>(n * 2) : null;
        this.weights = new double[n];
        double max = 0;
        boolean equal = true;
        for (int i = 0; i < n; i++) {
            Endpoint endpoint = endpoints[i];
            if (indexed) {
                byIdentity.put(endpoint, i);
                byValue.putIfAbsent(endpoint, i);
            }
            double w = weightOf == null ? endpoint.weight() : weightOf.applyAsDouble(endpoint);
            if (!(w > 0) || Double.isInfinite(w)) {
                w = endpoint.weight(); // a broken weight function must not starve or flood an endpoint
            }
            weights[i] = w;
            max = Math.max(max, w);
            equal &= w == weights[0];
        }
        this.maxWeight = n == 0 ? 1 : max;
        this.equalWeights = equal;
        this.tracker = tracker;
        this.slots = tracker.observe(clusterEndpoints);
        long warmUntil = Long.MIN_VALUE;
        boolean anyNew = false;
        if (slowStart != null) {
            for (EndpointTracker.Slot slot : slots) {
                if (slot.firstSeenNanos != EndpointTracker.WARM_SINCE_FOREVER) {
                    long until = slot.firstSeenNanos + slowStart.windowNanos();
                    if (until < slot.firstSeenNanos) {
                        until = Long.MAX_VALUE; // overflow: an absurdly long window
                    }
                    warmUntil = anyNew ? Math.max(warmUntil, until) : until;
                    anyNew = true;
                }
            }
        }
        // Without new endpoints there is nothing to warm up: drop slow start so picks never read the clock.
        this.slowStart = anyNew ? slowStart : null;
        this.warmUntilNanos = warmUntil;
    }

    int size() {
        return endpoints.length;
    }

    Endpoint endpoint(int index) {
        return endpoints[index];
    }

    /** Static weight of endpoint {@code index} (Endpoint.weight, or the locality-adjusted weight given). */
    double weight(int index) {
        return weights[index];
    }

    double maxWeight() {
        return maxWeight;
    }

    /** True when every endpoint has the same static weight. */
    boolean equalWeights() {
        return equalWeights;
    }

    /** The clock to pass to {@link #warming} and {@link #effectiveWeight}, or 0 when no slow start applies. */
    long now() {
        return slowStart == null ? 0 : tracker.nanoTime();
    }

    /** True while some endpoint is still inside its warm-up window. */
    boolean warming(long now) {
        return slowStart != null && now - warmUntilNanos < 0;
    }

    /** Weight of endpoint {@code index} at time {@code now}, scaled down while it warms up. */
    double effectiveWeight(int index, long now) {
        double w = weights[index];
        if (slowStart == null) {
            return w;
        }
        long firstSeen = slots[index].firstSeenNanos;
        if (firstSeen == EndpointTracker.WARM_SINCE_FOREVER) {
            return w;
        }
        return w * slowStart.factor(now - firstSeen);
    }

    int inFlight(int index) {
        return slots[index].inFlight.get();
    }

    int inFlight(Endpoint endpoint) {
        int index = indexOf(endpoint, 0);
        return index < 0 ? 0 : slots[index].inFlight.get();
    }

    void attemptStarted(Endpoint endpoint) {
        int index = indexOf(endpoint, 0);
        if (index >= 0) {
            slots[index].inFlight.incrementAndGet();
        }
    }

    void attemptEnded(Endpoint endpoint) {
        int index = indexOf(endpoint, 0);
        if (index >= 0) {
            // Never below zero: an unmatched end (adapter bug) must not make an endpoint look permanently idle.
            slots[index].inFlight.getAndUpdate(IndexedEndpoints::decrementToZero);
        }
    }

    private static int decrementToZero(int value) {
        return value > 0 ? value - 1 : 0;
    }

    /**
     * Index of {@code endpoint} in this table, or -1 if it is not one of the cluster endpoints. Candidate lists are
     * usually the cluster list itself or an order-preserving subset of it (ejected endpoints removed), with the
     * same instances, so looking a few slots ahead of {@code hint} (the index after the previous candidate's)
     * almost always answers without hashing.
     */
    int indexOf(Endpoint endpoint, int hint) {
        Endpoint[] all = endpoints;
        for (int i = Math.max(hint, 0), end = Math.min(all.length, hint + HINT_WINDOW); i < end; i++) {
            if (all[i] == endpoint) {
                return i;
            }
        }
        if (byIdentity == null) {
            for (int i = 0; i < all.length; i++) {
                if (all[i] == endpoint) {
                    return i;
                }
            }
            for (int i = 0; i < all.length; i++) {
                if (all[i].equals(endpoint)) {
                    return i;
                }
            }
            return -1;
        }
        Integer index = byIdentity.get(endpoint);
        if (index == null) {
            index = byValue.get(endpoint);
        }
        return index == null ? -1 : index;
    }
}
