package io.proxyless.mesh.runtime.balancing;

import static io.proxyless.mesh.runtime.balancing.Fixtures.context;
import static io.proxyless.mesh.runtime.balancing.Fixtures.endpoints;
import static io.proxyless.mesh.runtime.balancing.Fixtures.keyed;
import static io.proxyless.mesh.runtime.balancing.Fixtures.weighted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import io.proxyless.mesh.api.LoadBalancerSettings;
import io.proxyless.mesh.api.LoadBalancerSettings.ConsistentHashLB;
import io.proxyless.mesh.api.LoadBalancerSettings.ConsistentHashLB.MagLev;
import io.proxyless.mesh.api.LoadBalancerSettings.ConsistentHashLB.RingHash;
import io.proxyless.mesh.runtime.registry.Endpoint;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Behaviour shared by RING_HASH and MAGLEV, each test run for both. */
class ConsistentHashBalancerTest {

    private static final int KEYS = 10_000;

    private static LoadBalancerSettings settings(String algorithm) {
        return LoadBalancerSettings.consistentHash(switch (algorithm) {
            case "RING_HASH" -> new ConsistentHashLB("x-user", null, null, null, new RingHash(null), null, null);
            case "MAGLEV" -> new ConsistentHashLB("x-user", null, null, null, null, new MagLev(null), null);
            default -> throw new IllegalArgumentException(algorithm);
        });
    }

    private static LoadBalancer create(String algorithm, List<Endpoint> endpoints) {
        LoadBalancer lb = LoadBalancers.create(settings(algorithm), endpoints);
        assertThat(lb.name()).isEqualTo(algorithm);
        return lb;
    }

    private static Map<String, Endpoint> assign(LoadBalancer lb, List<Endpoint> candidates) {
        Map<String, Endpoint> owners = new HashMap<>();
        Random unused = new Random(0);
        for (int k = 0; k < KEYS; k++) {
            String key = "user-" + k;
            owners.put(key, lb.pick(candidates, keyed(key, unused)));
        }
        return owners;
    }

    private static double kept(Map<String, Endpoint> before, Map<String, Endpoint> after) {
        int same = 0;
        for (Map.Entry<String, Endpoint> e : before.entrySet()) {
            if (e.getValue().equals(after.get(e.getKey()))) {
                same++;
            }
        }
        return same / (double) before.size();
    }

    @ParameterizedTest
    @ValueSource(strings = {"RING_HASH", "MAGLEV"})
    void sameKeyAlwaysGoesToTheSameEndpoint(String algorithm) {
        for (int seed = 0; seed < 20; seed++) {
            Random random = new Random(seed);
            List<Endpoint> endpoints = endpoints(1 + random.nextInt(30));
            LoadBalancer lb = create(algorithm, endpoints);
            List<Endpoint> shuffled = new ArrayList<>(endpoints);
            Collections.shuffle(shuffled, random);
            LoadBalancer rebuiltInOtherOrder = create(algorithm, shuffled);
            for (int i = 0; i < 100; i++) {
                String key = Long.toHexString(random.nextLong());
                Endpoint first = lb.pick(endpoints, keyed(key, random));
                assertThat(lb.pick(endpoints, keyed(key, random))).as("seed %d, key %s", seed, key).isEqualTo(first);
                assertThat(rebuiltInOtherOrder.pick(shuffled, keyed(key, random)))
                        .as("seed %d, key %s, listed in another order", seed, key).isEqualTo(first);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"RING_HASH", "MAGLEV"})
    void onlyTheKeysOfAnEjectedEndpointMove(String algorithm) {
        for (int seed = 0; seed < 10; seed++) {
            List<Endpoint> endpoints = endpoints(10);
            LoadBalancer lb = create(algorithm, endpoints);
            Map<String, Endpoint> before = assign(lb, endpoints);
            Endpoint ejected = endpoints.get(new Random(seed).nextInt(10));
            List<Endpoint> healthy = new ArrayList<>(endpoints);
            healthy.remove(ejected);
            Map<String, Endpoint> after = assign(lb, healthy);
            assertThat(kept(before, after)).as("seed %d, ejected %s", seed, ejected).isGreaterThanOrEqualTo(0.8);
            for (Map.Entry<String, Endpoint> entry : before.entrySet()) {
                if (!entry.getValue().equals(ejected)) {
                    assertThat(after.get(entry.getKey())).as("seed %d, key %s", seed, entry.getKey())
                            .isEqualTo(entry.getValue());
                }
            }
            assertThat(assign(lb, endpoints)).as("seed %d: keys come back with the endpoint", seed).isEqualTo(before);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"RING_HASH", "MAGLEV"})
    void atLeast80PercentOfKeysStayWhenAnEndpointLeavesTheCluster(String algorithm) {
        for (int seed = 0; seed < 10; seed++) {
            List<Endpoint> endpoints = endpoints(10);
            Map<String, Endpoint> before = assign(create(algorithm, endpoints), endpoints);
            List<Endpoint> remaining = new ArrayList<>(endpoints);
            remaining.remove(new Random(seed).nextInt(10));
            Map<String, Endpoint> after = assign(create(algorithm, remaining), remaining);
            assertThat(kept(before, after)).as("seed %d", seed).isGreaterThanOrEqualTo(0.8);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"RING_HASH", "MAGLEV"})
    void keysSpreadEvenlyOverEqualEndpoints(String algorithm) {
        List<Endpoint> endpoints = endpoints(10);
        Map<Endpoint, Integer> counts = new HashMap<>();
        assign(create(algorithm, endpoints), endpoints).values().forEach(e -> counts.merge(e, 1, Integer::sum));
        for (Endpoint e : endpoints) {
            // ring hash at 1024 points is the coarser of the two: allow ±30 %
            assertThat((double) counts.get(e)).as("%s", e).isCloseTo(KEYS / 10.0, offset(KEYS / 10.0 * 0.3));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"RING_HASH", "MAGLEV"})
    void heavierEndpointOwnsProportionallyMoreKeys(String algorithm) {
        List<Endpoint> endpoints = weighted(1, 3);
        Map<Endpoint, Integer> counts = new HashMap<>();
        assign(create(algorithm, endpoints), endpoints).values().forEach(e -> counts.merge(e, 1, Integer::sum));
        assertThat(counts.get(endpoints.get(1)) / (double) KEYS).isCloseTo(0.75, offset(0.05));
    }

    @ParameterizedTest
    @ValueSource(strings = {"RING_HASH", "MAGLEV"})
    void onlyCandidatesAreReturned(String algorithm) {
        for (int seed = 0; seed < 100; seed++) {
            Random random = new Random(seed);
            int n = 1 + random.nextInt(20);
            List<Endpoint> endpoints = endpoints(n);
            LoadBalancer lb = create(algorithm, endpoints);
            List<Endpoint> candidates = new ArrayList<>();
            for (Endpoint e : endpoints) {
                if (random.nextInt(4) == 0) {
                    candidates.add(e);
                }
            }
            if (candidates.isEmpty()) {
                candidates.add(endpoints.get(random.nextInt(n)));
            }
            for (int i = 0; i < 200; i++) {
                String key = random.nextInt(10) == 0 ? null : "k" + random.nextInt(1000);
                assertThat(candidates).as("seed %d, candidates %s, key %s", seed, candidates, key)
                        .contains(lb.pick(candidates, keyed(key, random)));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"RING_HASH", "MAGLEV"})
    void retriesGoToTheSameEndpointDespitePreviousHosts(String algorithm) {
        List<Endpoint> endpoints = endpoints(5);
        LoadBalancer lb = create(algorithm, endpoints);
        Random random = new Random(1);
        for (int k = 0; k < 100; k++) {
            Endpoint first = lb.pick(endpoints, keyed("user-" + k, random));
            Endpoint retry = lb.pick(endpoints, new PickContext("user-" + k, Set.of(first), random));
            assertThat(retry).as("key user-%d", k).isEqualTo(first);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"RING_HASH", "MAGLEV"})
    void requestWithoutHashKeyGetsARandomCandidate(String algorithm) {
        List<Endpoint> endpoints = endpoints(4);
        LoadBalancer lb = create(algorithm, endpoints);
        Random random = new Random(8);
        Set<Endpoint> seen = new HashSet<>();
        for (int i = 0; i < 400; i++) {
            Endpoint picked = lb.pick(endpoints, context(random));
            assertThat(picked).isIn(endpoints);
            seen.add(picked);
        }
        assertThat(seen).containsExactlyInAnyOrderElementsOf(endpoints);
    }

    @ParameterizedTest
    @ValueSource(strings = {"RING_HASH", "MAGLEV"})
    void candidatesOutsideTheClusterStillGetAPick(String algorithm) {
        LoadBalancer lb = create(algorithm, endpoints(3));
        List<Endpoint> strangers = List.of(Fixtures.endpoint(100), Fixtures.endpoint(101));
        assertThat(lb.pick(strangers, keyed("k", new Random(1)))).isIn(strangers);
        assertThat(create(algorithm, List.of()).pick(strangers, keyed("k", new Random(1)))).isIn(strangers);
    }
}
