package io.proxyless.mesh.runtime.balancing;

import io.proxyless.mesh.runtime.registry.Endpoint;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Istio {@code ROUND_ROBIN}. Equal weights: plain rotation over the eligible candidates, one atomic increment per
 * pick. Unequal weights, or an endpoint warming up: the {@link EdfSchedule}, as Envoy switches to its EDF
 * scheduler in the same cases.
 */
final class RoundRobinBalancer implements LoadBalancer {

    private final IndexedEndpoints table;
    private final EdfSchedule schedule;
    /**
     * Starts at a random position, as Envoy's does, so that many clients started together do not all send their
     * first request to the same endpoint.
     */
    private final AtomicLong rotation = new AtomicLong(ThreadLocalRandom.current().nextInt(1 << 16));

    RoundRobinBalancer(IndexedEndpoints table) {
        this.table = table;
        this.schedule = new EdfSchedule(table);
    }

    @Override
    public Endpoint pick(List<Endpoint> candidates, PickContext context) {
        if (candidates.isEmpty()) {
            return null;
        }
        Set<Endpoint> previous = context.previousHosts();
        boolean avoid = Candidates.avoidPrevious(candidates, previous);
        long now = table.now();
        if (!table.equalWeights() || table.warming(now)) {
            Endpoint due = schedule.pick(candidates, previous, avoid, now, false);
            if (due != null) {
                return due;
            }
            // No candidate is a cluster endpoint (caller passed foreign endpoints): rotate over them instead.
        }
        int eligible = Candidates.eligibleCount(candidates, previous, avoid);
        int nth = (int) Math.floorMod(rotation.getAndIncrement(), (long) eligible);
        return Candidates.nthEligible(candidates, previous, avoid, nth);
    }

    @Override
    public String name() {
        return "ROUND_ROBIN";
    }

    @Override
    public void onAttemptStart(Endpoint endpoint) {
        table.attemptStarted(endpoint);
    }

    @Override
    public void onAttemptEnd(Endpoint endpoint) {
        table.attemptEnded(endpoint);
    }

    @Override
    public int inFlight(Endpoint endpoint) {
        return table.inFlight(endpoint);
    }
}
