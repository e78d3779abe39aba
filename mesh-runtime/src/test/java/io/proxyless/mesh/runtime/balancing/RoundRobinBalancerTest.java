package io.proxyless.mesh.runtime.balancing;

import static io.proxyless.mesh.runtime.balancing.Fixtures.context;
import static io.proxyless.mesh.runtime.balancing.Fixtures.endpoints;
import static io.proxyless.mesh.runtime.balancing.Fixtures.tally;
import static io.proxyless.mesh.runtime.balancing.Fixtures.weighted;
import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.LoadBalancerSettings;
import io.proxyless.mesh.api.LoadBalancerSettings.SimpleLB;
import io.proxyless.mesh.runtime.registry.Endpoint;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RoundRobinBalancerTest {

    private static final LoadBalancerSettings ROUND_ROBIN = LoadBalancerSettings.simple(SimpleLB.ROUND_ROBIN);

    @Test
    void equalWeightsGiveEveryEndpointExactlyItsTurnOverNPicks() {
        for (int seed = 0; seed < 200; seed++) {
            Random random = new Random(seed);
            int n = 1 + random.nextInt(20);
            int rounds = 1 + random.nextInt(20);
            List<Endpoint> endpoints = endpoints(n);
            LoadBalancer lb = LoadBalancers.create(ROUND_ROBIN, endpoints);
            Map<Endpoint, Integer> counts = tally(lb, endpoints, context(random), n * rounds);
            assertThat(counts).as("seed %d, n %d, rounds %d", seed, n, rounds).hasSize(n);
            assertThat(counts.values()).as("seed %d, n %d, rounds %d", seed, n, rounds).containsOnly(rounds);
        }
    }

    @Test
    void equalWeightsRotateInCandidateOrder() {
        List<Endpoint> endpoints = endpoints(4);
        LoadBalancer lb = LoadBalancers.create(ROUND_ROBIN, endpoints);
        Random random = new Random(7);
        int first = endpoints.indexOf(lb.pick(endpoints, context(random)));
        for (int i = 1; i < 12; i++) {
            assertThat(lb.pick(endpoints, context(random))).isEqualTo(endpoints.get((first + i) % 4));
        }
    }

    @Test
    void weightedRoundRobinGivesEachEndpointItsWeightInEveryCycle() {
        for (int seed = 0; seed < 200; seed++) {
            Random random = new Random(seed);
            int[] weights = random.ints(1 + random.nextInt(8), 1, 11).toArray();
            int cycle = Arrays.stream(weights).sum();
            List<Endpoint> endpoints = weighted(weights);
            LoadBalancer lb = LoadBalancers.create(ROUND_ROBIN, endpoints);
            for (int c = 1; c <= 5; c++) {
                Map<Endpoint, Integer> counts = tally(lb, endpoints, context(random), cycle);
                for (int i = 0; i < weights.length; i++) {
                    assertThat(counts.getOrDefault(endpoints.get(i), 0))
                            .as("seed %d, weights %s, cycle %d, endpoint %d", seed, Arrays.toString(weights), c, i)
                            .isEqualTo(weights[i]);
                }
            }
        }
    }

    @Test
    void weightedRoundRobinInterleavesInsteadOfSendingBursts() {
        for (int seed = 0; seed < 100; seed++) {
            Random random = new Random(seed);
            int[] weights = random.ints(2 + random.nextInt(6), 1, 11).toArray();
            int cycle = Arrays.stream(weights).sum();
            List<Endpoint> endpoints = weighted(weights);
            LoadBalancer lb = LoadBalancers.create(ROUND_ROBIN, endpoints);
            List<Endpoint> picks = new ArrayList<>();
            for (int i = 0; i < cycle * 4; i++) {
                picks.add(lb.pick(endpoints, context(random)));
            }
            // Every window of half a cycle holds each endpoint's share of it, give or take two picks
            // (serving endpoints in blocks would put a whole weight's worth into one window).
            int window = Math.max(1, cycle / 2);
            for (int from = 0; from + window <= picks.size(); from++) {
                List<Endpoint> slice = picks.subList(from, from + window);
                for (int i = 0; i < weights.length; i++) {
                    int count = java.util.Collections.frequency(slice, endpoints.get(i));
                    double share = window * (double) weights[i] / cycle;
                    assertThat((double) count)
                            .as("seed %d, weights %s, window at %d, endpoint %d", seed, Arrays.toString(weights), from, i)
                            .isBetween(share - 2, share + 2);
                }
            }
        }
    }

    @Test
    void ejectedEndpointIsSkippedAndTheRestStayFair() {
        for (int seed = 0; seed < 100; seed++) {
            Random random = new Random(seed);
            int[] weights = random.ints(2 + random.nextInt(8), 1, 6).toArray();
            List<Endpoint> endpoints = weighted(weights);
            LoadBalancer lb = LoadBalancers.create(ROUND_ROBIN, endpoints);
            int ejected = random.nextInt(weights.length);
            List<Endpoint> healthy = new ArrayList<>(endpoints);
            healthy.remove(ejected);
            int cycle = Arrays.stream(weights).sum() - weights[ejected];
            tally(lb, endpoints, context(random), random.nextInt(50)); // some history before the ejection
            Map<Endpoint, Integer> counts = tally(lb, healthy, context(random), cycle * 20);
            String why = String.format("seed %d, weights %s, ejected %d", seed, Arrays.toString(weights), ejected);
            assertThat(counts).as(why).doesNotContainKey(endpoints.get(ejected));
            for (Endpoint e : healthy) {
                assertThat(counts.getOrDefault(e, 0)).as(why + ", " + e).isBetween(e.weight() * 20 - 1, e.weight() * 20 + 1);
            }
        }
    }

    @Test
    void returningEndpointDoesNotGetABurstToCatchUp() {
        List<Endpoint> endpoints = weighted(2, 2, 2, 3);
        LoadBalancer lb = LoadBalancers.create(ROUND_ROBIN, endpoints);
        Random random = new Random(5);
        tally(lb, endpoints.subList(1, 4), context(random), 3000); // #0 ejected for 3000 picks
        Map<Endpoint, Integer> afterReturn = tally(lb, endpoints, context(random), 9 * 10);
        // its fair share of 90 picks is 20; catching up on 3000 missed picks would take them all
        assertThat(afterReturn.getOrDefault(endpoints.get(0), 0)).isBetween(19, 21);
    }

    @Test
    void previousHostsAreAvoidedWhileUntriedCandidatesRemain() {
        for (int seed = 0; seed < 200; seed++) {
            Random random = new Random(seed);
            boolean weightedCase = random.nextBoolean();
            int n = 2 + random.nextInt(10);
            List<Endpoint> endpoints = weightedCase ? weighted(random.ints(n, 1, 5).toArray()) : endpoints(n);
            LoadBalancer lb = LoadBalancers.create(ROUND_ROBIN, endpoints);
            Set<Endpoint> tried = new HashSet<>();
            while (tried.size() < n - 1) {
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
        List<Endpoint> endpoints = endpoints(3);
        LoadBalancer lb = LoadBalancers.create(ROUND_ROBIN, endpoints);
        Endpoint picked = lb.pick(endpoints, new PickContext(null, Set.copyOf(endpoints), new Random(1)));
        assertThat(endpoints).contains(picked);
    }

    @Test
    void rotationStaysExactlyFairUnderConcurrentPicks() throws InterruptedException {
        List<Endpoint> endpoints = endpoints(8);
        LoadBalancer lb = LoadBalancers.create(ROUND_ROBIN, endpoints);
        Map<Endpoint, AtomicInteger> counts = runConcurrently(lb, endpoints, 8, 10_000);
        for (Endpoint e : endpoints) {
            assertThat(counts.get(e).get()).as("%s", e).isEqualTo(10_000);
        }
    }

    @Test
    void weightedScheduleStaysFairUnderConcurrentPicks() throws InterruptedException {
        List<Endpoint> endpoints = weighted(1, 2, 3, 4);
        LoadBalancer lb = LoadBalancers.create(ROUND_ROBIN, endpoints);
        Map<Endpoint, AtomicInteger> counts = runConcurrently(lb, endpoints, 8, 10_000);
        for (Endpoint e : endpoints) {
            double expected = 80_000.0 * e.weight() / 10;
            assertThat((double) counts.get(e).get()).as("%s", e).isBetween(expected * 0.99, expected * 1.01);
        }
    }

    static Map<Endpoint, AtomicInteger> runConcurrently(LoadBalancer lb, List<Endpoint> endpoints, int threads,
                                                        int picksPerThread) throws InterruptedException {
        Map<Endpoint, AtomicInteger> counts = new ConcurrentHashMap<>();
        endpoints.forEach(e -> counts.put(e, new AtomicInteger()));
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Random random = new Random(t);
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = 0; i < picksPerThread; i++) {
                    counts.get(lb.pick(endpoints, context(random))).incrementAndGet();
                }
            });
            worker.start();
            workers.add(worker);
        }
        start.countDown();
        for (Thread worker : workers) {
            worker.join();
        }
        return counts;
    }
}
