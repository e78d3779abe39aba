package io.proxyless.mesh.runtime.balancing;

import io.proxyless.mesh.runtime.registry.Endpoint;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Istio {@code RANDOM}: a random eligible candidate, with probability proportional to its weight. (Envoy's random
 * balancer ignores endpoint weights and honours only locality weights; we honour both, so that WorkloadEntry
 * {@code weight} means the same under every simple policy.)
 */
final class RandomBalancer implements LoadBalancer {

    private final IndexedEndpoints table;

    RandomBalancer(IndexedEndpoints table) {
        this.table = table;
    }

    @Override
    public Endpoint pick(List<Endpoint> candidates, PickContext context) {
        if (candidates.isEmpty()) {
            return null;
        }
        Set<Endpoint> previous = context.previousHosts();
        boolean avoid = Candidates.avoidPrevious(candidates, previous);
        RandomGenerator random = Candidates.random(context);
        if (table.equalWeights()) {
            return Candidates.randomEligible(candidates, previous, avoid, random);
        }
        // Two passes over the candidates, no allocation: total eligible weight, then the draw.
        double total = 0;
        int hint = 0;
        for (int i = 0, n = candidates.size(); i < n; i++) {
            Endpoint candidate = candidates.get(i);
            if (Candidates.eligible(candidate, previous, avoid)) {
                int index = table.indexOf(candidate, hint);
                hint = index + 1;
                total += weightOf(candidate, index);
            }
        }
        double target = random.nextDouble() * total;
        Endpoint last = null;
        hint = 0;
        for (int i = 0, n = candidates.size(); i < n; i++) {
            Endpoint candidate = candidates.get(i);
            if (Candidates.eligible(candidate, previous, avoid)) {
                int index = table.indexOf(candidate, hint);
                hint = index + 1;
                target -= weightOf(candidate, index);
                last = candidate;
                if (target < 0) {
                    return candidate;
                }
            }
        }
        return last; // rounding left a crumb of weight at the end
    }

    /** A candidate that is not one of the cluster endpoints weighs what its record says. */
    private double weightOf(Endpoint candidate, int index) {
        return index >= 0 ? table.weight(index) : candidate.weight();
    }

    @Override
    public String name() {
        return "RANDOM";
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
