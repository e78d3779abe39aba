package io.proxyless.mesh.runtime.balancing;

import io.proxyless.mesh.runtime.registry.Endpoint;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * What balancing remembers about one cluster's endpoints across config snapshots: how many attempts are in flight
 * to each endpoint (least request) and when each endpoint was first seen (warmup / slow start).
 *
 * <p>A {@link LoadBalancer} is rebuilt for every config snapshot, but in-flight requests and endpoint ages must
 * outlive it: a request started on the old balancer still loads its endpoint, and an endpoint that appeared two
 * seconds ago is still new after an unrelated VirtualService edit. The engine therefore keeps one tracker per
 * cluster (service host + subset + port, exactly like a balancer) and passes it to every
 * {@link LoadBalancers#create(io.proxyless.mesh.api.LoadBalancerSettings, List, java.util.function.ToDoubleFunction,
 * EndpointTracker) create}. Endpoints are keyed by {@link Endpoint#authority()}, so a weight or label change does
 * not make an endpoint "new".
 *
 * <pre>{@code
 * EndpointTracker tracker = trackers.computeIfAbsent(clusterKey, k -> new EndpointTracker());
 * LoadBalancer lb = LoadBalancers.create(settings, endpoints, null, tracker);
 * }</pre>
 *
 * <p>The endpoints of the first snapshot a tracker sees count as already warm: they were serving before this
 * client started, and ramping them all up together would not change their relative shares anyway.
 */
public final class EndpointTracker {

    /** First-seen time of endpoints that were there from the start: far enough in the past to be warm. */
    static final long WARM_SINCE_FOREVER = Long.MIN_VALUE;

    private final LongSupplier nanoClock;
    // The slots of the endpoint set last observed, replaced as a whole (never changed in place) so that a successor
    // can share them: one small array per cluster rather than a map with an authority string per endpoint.
    private volatile Slot[] slots = new Slot[0];
    private boolean observedOnce;

    /** A tracker on {@link System#nanoTime()}. */
    public EndpointTracker() {
        this(System::nanoTime);
    }

    /**
     * A tracker on the given monotonic clock (nanoseconds), so tests can move time by hand.
     *
     * @param nanoClock monotonic time source, like {@link System#nanoTime()}
     */
    public EndpointTracker(LongSupplier nanoClock) {
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    }

    /**
     * A tracker for the next snapshot of the cluster: it starts from this one's endpoints (the same per-endpoint
     * slots, so in-flight counts and first-seen times carry over) but records the next endpoint set on its own,
     * leaving this tracker — and the snapshot still using it — untouched. Compiling a snapshot that is then thrown
     * away changes nothing.
     */
    public synchronized EndpointTracker successor() {
        EndpointTracker next = new EndpointTracker(nanoClock);
        next.slots = slots;
        next.observedOnce = observedOnce;
        return next;
    }

    /** The number of attempts to {@code endpoint} started and not yet ended, over all balancers of this cluster. */
    public int inFlight(Endpoint endpoint) {
        for (Slot slot : slots) {
            if (slot.holds(endpoint)) {
                return slot.inFlight.get();
            }
        }
        return 0;
    }

    long nanoTime() {
        return nanoClock.getAsLong();
    }

    /**
     * Records a new endpoint set (called once per balancer build, never on the pick path) and returns each
     * endpoint's slot, in order. Endpoints that left the cluster are forgotten: one that comes back is new again,
     * as in Envoy, where a re-added host is a new host.
     */
    synchronized Slot[] observe(List<Endpoint> endpoints) {
        long now = nanoTime();
        long firstSeen = observedOnce ? now : WARM_SINCE_FOREVER;
        observedOnce = true;
        Map<Slot, Slot> before = new HashMap<>(slots.length * 2);
        for (Slot slot : slots) {
            before.put(slot, slot);
        }
        Map<Slot, Slot> present = new LinkedHashMap<>(endpoints.size() * 2);
        Slot[] result = new Slot[endpoints.size()];
        for (int i = 0; i < result.length; i++) {
            Endpoint e = endpoints.get(i);
            Slot key = new Slot(e.address(), e.port(), firstSeen);
            Slot slot = present.get(key);
            if (slot == null) {
                slot = before.getOrDefault(key, key);
                present.put(slot, slot);
            }
            result[i] = slot;
        }
        // Without repeated endpoints the balancer's array is the same list: one array, shared.
        slots = present.size() == result.length ? result : present.keySet().toArray(new Slot[0]);
        return result;
    }

    /**
     * Per-endpoint state shared by every balancer built from this tracker; equal for the same endpoint authority
     * (address and port), whatever its weight or labels.
     */
    static final class Slot {
        final AtomicInteger inFlight = new AtomicInteger();
        final long firstSeenNanos;
        private final String address;
        private final int port;

        Slot(String address, int port, long firstSeenNanos) {
            this.address = address;
            this.port = port;
            this.firstSeenNanos = firstSeenNanos;
        }

        boolean holds(Endpoint endpoint) {
            return port == endpoint.port() && address.equals(endpoint.address());
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Slot other && port == other.port && address.equals(other.address);
        }

        @Override
        public int hashCode() {
            return 31 * address.hashCode() + port;
        }
    }
}
