package io.proxyless.mesh.runtime.balancing;

import static io.proxyless.mesh.runtime.balancing.Fixtures.context;
import static io.proxyless.mesh.runtime.balancing.Fixtures.endpoints;
import static io.proxyless.mesh.runtime.balancing.Fixtures.sigma;
import static io.proxyless.mesh.runtime.balancing.Fixtures.tally;
import static io.proxyless.mesh.runtime.balancing.Fixtures.weighted;
import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.LoadBalancerSettings;
import io.proxyless.mesh.api.LoadBalancerSettings.SimpleLB;
import io.proxyless.mesh.runtime.registry.Endpoint;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LeastRequestBalancerTest {

    private static final LoadBalancerSettings LEAST_REQUEST = LoadBalancerSettings.simple(SimpleLB.LEAST_REQUEST);

    @Test
    void powerOfTwoChoicesPicksByLoadRankAsTheoryPredicts() {
        for (int seed = 0; seed < 50; seed++) {
            Random random = new Random(seed);
            int n = 2 + random.nextInt(9);
            List<Endpoint> endpoints = endpoints(n);
            EndpointTracker tracker = new EndpointTracker();
            LoadBalancer lb = LoadBalancers.create(LEAST_REQUEST, endpoints, null, tracker);
            // distinct loads: rank r has r in-flight attempts, endpoints shuffled so rank is not list position
            List<Endpoint> byLoad = new ArrayList<>(endpoints);
            Collections.shuffle(byLoad, random);
            for (int rank = 0; rank < n; rank++) {
                for (int k = 0; k < rank; k++) {
                    lb.onAttemptStart(byLoad.get(rank));
                }
            }
            int picks = 20_000;
            Map<Endpoint, Integer> counts = tally(lb, endpoints, context(random), picks);
            for (int rank = 0; rank < n; rank++) {
                // chosen iff both draws are at least this loaded and one is exactly this one
                double p = (2.0 * (n - rank) - 1) / ((double) n * n);
                assertThat((double) counts.getOrDefault(byLoad.get(rank), 0))
                        .as("seed %d, n %d, load rank %d", seed, n, rank)
                        .isCloseTo(picks * p, org.assertj.core.data.Offset.offset(5 * sigma(picks, p) + 1));
            }
        }
    }

    @Test
    void lessLoadedEndpointWinsEveryComparison() {
        List<Endpoint> endpoints = endpoints(2);
        LoadBalancer lb = LoadBalancers.create(LEAST_REQUEST, endpoints);
        lb.onAttemptStart(endpoints.get(0));
        Map<Endpoint, Integer> counts = tally(lb, endpoints, context(new Random(11)), 4000);
        // #0 is only chosen when both draws are #0: a quarter of the time
        assertThat((double) counts.get(endpoints.get(0))).isCloseTo(1000, org.assertj.core.data.Offset.offset(5 * sigma(4000, 0.25)));
    }

    @Test
    void finishedAttemptsNoLongerCountAndCountsNeverGoNegative() {
        List<Endpoint> endpoints = endpoints(2);
        EndpointTracker tracker = new EndpointTracker();
        LoadBalancer lb = LoadBalancers.create(LEAST_REQUEST, endpoints, null, tracker);
        Endpoint e = endpoints.get(0);
        lb.onAttemptStart(e);
        lb.onAttemptStart(e);
        assertThat(tracker.inFlight(e)).isEqualTo(2);
        lb.onAttemptEnd(e);
        lb.onAttemptEnd(e);
        lb.onAttemptEnd(e);
        assertThat(tracker.inFlight(e)).isZero();
        lb.onAttemptStart(e);
        assertThat(tracker.inFlight(e)).isEqualTo(1);
    }

    @Test
    void inFlightCountsCarryOverToTheNextSnapshotsBalancer() {
        List<Endpoint> endpoints = endpoints(2);
        EndpointTracker tracker = new EndpointTracker();
        LoadBalancer before = LoadBalancers.create(LEAST_REQUEST, endpoints, null, tracker);
        for (int i = 0; i < 5; i++) {
            before.onAttemptStart(endpoints.get(0));
        }
        LoadBalancer after = LoadBalancers.create(LEAST_REQUEST, endpoints, null, tracker);
        Map<Endpoint, Integer> counts = tally(after, endpoints, context(new Random(2)), 4000);
        assertThat(counts.get(endpoints.get(1))).isGreaterThan(2500);
        after.onAttemptEnd(endpoints.get(0)); // an attempt started on the old balancer ends on the new one
        assertThat(tracker.inFlight(endpoints.get(0))).isEqualTo(4);
    }

    @Test
    void unequalWeightsFollowWeightsWhenIdle() {
        for (int seed = 0; seed < 100; seed++) {
            Random random = new Random(seed);
            int[] weights = random.ints(2 + random.nextInt(6), 1, 9).toArray();
            if (Arrays.stream(weights).distinct().count() == 1) {
                weights[0]++;
            }
            List<Endpoint> endpoints = weighted(weights);
            LoadBalancer lb = LoadBalancers.create(LEAST_REQUEST, endpoints);
            int cycle = Arrays.stream(weights).sum();
            Map<Endpoint, Integer> counts = tally(lb, endpoints, context(random), cycle * 10);
            for (int i = 0; i < weights.length; i++) {
                assertThat(counts.getOrDefault(endpoints.get(i), 0))
                        .as("seed %d, weights %s, endpoint %d", seed, Arrays.toString(weights), i)
                        .isBetween(weights[i] * 10 - 1, weights[i] * 10 + 1);
            }
        }
    }

    @Test
    void unequalWeightsDivideByInFlightPlusOne() {
        List<Endpoint> endpoints = weighted(1, 2);
        LoadBalancer lb = LoadBalancers.create(LEAST_REQUEST, endpoints);
        for (int i = 0; i < 3; i++) {
            lb.onAttemptStart(endpoints.get(1)); // effective weight 2 / (3 + 1) = 0.5 against 1 / 1
        }
        Map<Endpoint, Integer> counts = tally(lb, endpoints, context(new Random(4)), 3000);
        assertThat((double) counts.get(endpoints.get(0))).isCloseTo(2000, org.assertj.core.data.Offset.offset(30.0));
    }

    @Test
    void previousHostsAreAvoidedWhileUntriedCandidatesRemain() {
        for (int seed = 0; seed < 200; seed++) {
            Random random = new Random(seed);
            boolean weightedCase = random.nextBoolean();
            int n = 2 + random.nextInt(10);
            List<Endpoint> endpoints = weightedCase ? weighted(random.ints(n, 1, 5).toArray()) : endpoints(n);
            LoadBalancer lb = LoadBalancers.create(LEAST_REQUEST, endpoints);
            Set<Endpoint> tried = new HashSet<>();
            int triedCount = 1 + random.nextInt(n - 1);
            while (tried.size() < triedCount) {
                tried.add(endpoints.get(random.nextInt(n)));
            }
            for (int i = 0; i < 3 * n; i++) {
                Endpoint picked = lb.pick(endpoints, new PickContext(null, tried, random));
                assertThat(tried).as("seed %d, weighted %s, tried %s", seed, weightedCase, tried).doesNotContain(picked);
            }
        }
    }

    @Test
    void previousHostIsReusedWhenEveryCandidateWasTried() {
        List<Endpoint> endpoints = endpoints(2);
        LoadBalancer lb = LoadBalancers.create(LEAST_REQUEST, endpoints);
        assertThat(lb.pick(endpoints, new PickContext(null, Set.copyOf(endpoints), new Random(1)))).isIn(endpoints);
    }

    @Test
    void onlyCandidatesArePicked() {
        for (int seed = 0; seed < 100; seed++) {
            Random random = new Random(seed);
            int n = 2 + random.nextInt(10);
            List<Endpoint> endpoints = random.nextBoolean() ? endpoints(n) : weighted(random.ints(n, 1, 5).toArray());
            LoadBalancer lb = LoadBalancers.create(LEAST_REQUEST, endpoints);
            List<Endpoint> candidates = new ArrayList<>(endpoints);
            candidates.removeIf(e -> random.nextInt(3) == 0 && candidates.size() > 1);
            for (int i = 0; i < 50; i++) {
                assertThat(candidates).as("seed %d", seed).contains(lb.pick(candidates, context(random)));
            }
        }
    }
}
