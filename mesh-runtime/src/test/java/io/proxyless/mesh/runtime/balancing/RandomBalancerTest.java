package io.proxyless.mesh.runtime.balancing;

import static io.proxyless.mesh.runtime.balancing.Fixtures.context;
import static io.proxyless.mesh.runtime.balancing.Fixtures.endpoints;
import static io.proxyless.mesh.runtime.balancing.Fixtures.sigma;
import static io.proxyless.mesh.runtime.balancing.Fixtures.tally;
import static io.proxyless.mesh.runtime.balancing.Fixtures.weighted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import io.proxyless.mesh.api.LoadBalancerSettings;
import io.proxyless.mesh.api.LoadBalancerSettings.SimpleLB;
import io.proxyless.mesh.runtime.registry.Endpoint;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RandomBalancerTest {

    private static final LoadBalancerSettings RANDOM = LoadBalancerSettings.simple(SimpleLB.RANDOM);

    @Test
    void weightedRandomStaysWithinStatisticalBoundsOfTheWeights() {
        for (int seed = 0; seed < 100; seed++) {
            Random random = new Random(seed);
            int[] weights = random.ints(1 + random.nextInt(8), 1, 20).toArray();
            double total = Arrays.stream(weights).sum();
            List<Endpoint> endpoints = weighted(weights);
            LoadBalancer lb = LoadBalancers.create(RANDOM, endpoints);
            int picks = 10_000;
            Map<Endpoint, Integer> counts = tally(lb, endpoints, context(random), picks);
            for (int i = 0; i < weights.length; i++) {
                double p = weights[i] / total;
                assertThat((double) counts.getOrDefault(endpoints.get(i), 0))
                        .as("seed %d, weights %s, endpoint %d", seed, Arrays.toString(weights), i)
                        .isCloseTo(picks * p, offset(5 * sigma(picks, p) + 1));
            }
        }
    }

    @Test
    void equalWeightsAreUniform() {
        List<Endpoint> endpoints = endpoints(5);
        LoadBalancer lb = LoadBalancers.create(RANDOM, endpoints);
        Map<Endpoint, Integer> counts = tally(lb, endpoints, context(new Random(9)), 10_000);
        for (Endpoint e : endpoints) {
            assertThat((double) counts.get(e)).as("%s", e).isCloseTo(2000, offset(5 * sigma(10_000, 0.2)));
        }
    }

    @Test
    void sameSeedGivesSamePicks() {
        List<Endpoint> endpoints = weighted(1, 2, 3);
        LoadBalancer lb = LoadBalancers.create(RANDOM, endpoints);
        Random a = new Random(42);
        Random b = new Random(42);
        for (int i = 0; i < 100; i++) {
            assertThat(lb.pick(endpoints, context(a))).isEqualTo(lb.pick(endpoints, context(b)));
        }
    }

    @Test
    void previousHostsAreAvoidedWhileUntriedCandidatesRemain() {
        for (int seed = 0; seed < 200; seed++) {
            Random random = new Random(seed);
            boolean weightedCase = random.nextBoolean();
            int n = 2 + random.nextInt(10);
            List<Endpoint> endpoints = weightedCase ? weighted(random.ints(n, 1, 5).toArray()) : endpoints(n);
            LoadBalancer lb = LoadBalancers.create(RANDOM, endpoints);
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
        List<Endpoint> endpoints = weighted(1, 3);
        LoadBalancer lb = LoadBalancers.create(RANDOM, endpoints);
        assertThat(lb.pick(endpoints, new PickContext(null, Set.copyOf(endpoints), new Random(1)))).isIn(endpoints);
    }
}
