package io.proxyless.mesh.runtime.balancing;

import io.proxyless.mesh.runtime.registry.Endpoint;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Istio {@code LEAST_REQUEST} (and its old name {@code LEAST_CONN}), the sidecar default. Follows Envoy:
 * <ul>
 *   <li>equal weights: power of two choices — two eligible candidates drawn at random (with replacement), the one
 *       with fewer in-flight attempts wins, the first on a tie;</li>
 *   <li>unequal weights, or an endpoint warming up: the {@link EdfSchedule} with each weight divided by
 *       (in-flight + 1), Envoy's {@code active_request_bias} of 1.0.</li>
 * </ul>
 * In-flight counts come from {@link #onAttemptStart} / {@link #onAttemptEnd} and live in the
 * {@link EndpointTracker}, so they carry over to the balancer of the next config snapshot.
 */
final class LeastRequestBalancer implements LoadBalancer {

    private final IndexedEndpoints table;
    private final EdfSchedule schedule;

    LeastRequestBalancer(IndexedEndpoints table) {
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
            Endpoint due = schedule.pick(candidates, previous, avoid, now, true);
            if (due != null) {
                return due;
            }
        }
        RandomGenerator random = Candidates.random(context);
        int eligible = Candidates.eligibleCount(candidates, previous, avoid);
        Endpoint first = Candidates.nthEligible(candidates, previous, avoid, random.nextInt(eligible));
        if (eligible == 1) {
            return first;
        }
        Endpoint second = Candidates.nthEligible(candidates, previous, avoid, random.nextInt(eligible));
        return table.inFlight(second) < table.inFlight(first) ? second : first;
    }

    @Override
    public String name() {
        return "LEAST_REQUEST";
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
