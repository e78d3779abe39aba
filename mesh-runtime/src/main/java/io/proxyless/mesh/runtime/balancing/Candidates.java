package io.proxyless.mesh.runtime.balancing;

import io.proxyless.mesh.runtime.registry.Endpoint;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * Helpers over a pick's candidate list that allocate nothing. "Eligible" candidates are those not tried before
 * (not in {@code previousHosts}) when at least one such candidate exists, else all of them: Envoy's previous_hosts
 * predicate also gives up and reuses a host once its few reselection attempts are spent.
 *
 * <p>Candidate lists are expected to be {@link java.util.RandomAccess} (they are built per snapshot or per
 * ejection change as {@code List.of} / {@code ArrayList}).
 */
final class Candidates {
    private Candidates() {
    }

    /** True when some candidates must be skipped because they were tried and untried ones remain. */
    static boolean avoidPrevious(List<Endpoint> candidates, Set<Endpoint> previousHosts) {
        if (previousHosts.isEmpty()) {
            return false;
        }
        for (int i = 0, n = candidates.size(); i < n; i++) {
            if (!previousHosts.contains(candidates.get(i))) {
                return true;
            }
        }
        return false;
    }

    static boolean eligible(Endpoint candidate, Set<Endpoint> previousHosts, boolean avoid) {
        return !avoid || !previousHosts.contains(candidate);
    }

    static int eligibleCount(List<Endpoint> candidates, Set<Endpoint> previousHosts, boolean avoid) {
        if (!avoid) {
            return candidates.size();
        }
        int count = 0;
        for (int i = 0, n = candidates.size(); i < n; i++) {
            if (!previousHosts.contains(candidates.get(i))) {
                count++;
            }
        }
        return count;
    }

    /** The {@code nth} (0-based) eligible candidate; {@code nth} must be below {@link #eligibleCount}. */
    static Endpoint nthEligible(List<Endpoint> candidates, Set<Endpoint> previousHosts, boolean avoid, int nth) {
        if (!avoid) {
            return candidates.get(nth);
        }
        int seen = 0;
        for (int i = 0, n = candidates.size(); i < n; i++) {
            Endpoint candidate = candidates.get(i);
            if (!previousHosts.contains(candidate) && seen++ == nth) {
                return candidate;
            }
        }
        throw new IllegalStateException("fewer than " + (nth + 1) + " eligible candidates");
    }

    /** A uniformly random eligible candidate. */
    static Endpoint randomEligible(List<Endpoint> candidates, Set<Endpoint> previousHosts, boolean avoid,
                                   RandomGenerator random) {
        return nthEligible(candidates, previousHosts, avoid,
                random.nextInt(eligibleCount(candidates, previousHosts, avoid)));
    }

    /**
     * Position of {@code endpoint} in {@code candidates}, or -1. Identity first: candidates and cluster endpoints
     * normally share instances from one snapshot, and {@code ==} is far cheaper than record equality.
     */
    static int positionOf(List<Endpoint> candidates, Endpoint endpoint) {
        int n = candidates.size();
        for (int i = 0; i < n; i++) {
            if (candidates.get(i) == endpoint) {
                return i;
            }
        }
        for (int i = 0; i < n; i++) {
            if (candidates.get(i).equals(endpoint)) {
                return i;
            }
        }
        return -1;
    }

    static RandomGenerator random(PickContext context) {
        RandomGenerator random = context.random();
        return random != null ? random : ThreadLocalRandom.current();
    }
}
