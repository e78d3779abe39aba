package io.proxyless.mesh.runtime.balancing;

import io.proxyless.mesh.runtime.registry.Endpoint;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
    private final Map<String, Slot> slots = new ConcurrentHashMap<>();
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
        next.slots.putAll(slots);
        next.observedOnce = observedOnce;
        return next;
    }

    /** The number of attempts to {@code endpoint} started and not yet ended, over all balancers of this cluster. */
    public int inFlight(Endpoint endpoint) {
        Slot slot = slots.get(endpoint.authority());
        return slot == null ? 0 : slot.inFlight.get();
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
        Slot[] result = new Slot[endpoints.size()];
        Set<String> present = new HashSet<>();
        for (int i = 0; i < result.length; i++) {
            String key = endpoints.get(i).authority();
            present.add(key);
            result[i] = slots.computeIfAbsent(key, k -> new Slot(firstSeen));
        }
        slots.keySet().retainAll(present);
        return result;
    }

    /** Per-endpoint state shared by every balancer built from this tracker. */
    static final class Slot {
        final AtomicInteger inFlight = new AtomicInteger();
        final long firstSeenNanos;

        Slot(long firstSeenNanos) {
            this.firstSeenNanos = firstSeenNanos;
        }
    }
}
