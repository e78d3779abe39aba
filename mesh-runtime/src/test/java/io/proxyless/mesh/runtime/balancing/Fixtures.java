package io.proxyless.mesh.runtime.balancing;

import io.proxyless.mesh.runtime.registry.Endpoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** Endpoints, pick contexts and a hand-driven clock for balancing tests. */
final class Fixtures {
    private Fixtures() {
    }

    static Endpoint endpoint(int i) {
        return endpoint(i, 1);
    }

    static Endpoint endpoint(int i, int weight) {
        return new Endpoint("10.0." + (i / 250) + "." + (i % 250 + 1), 8080, Map.of(), "", weight, "", null);
    }

    static Endpoint endpoint(String address, String locality, int weight) {
        return new Endpoint(address, 8080, Map.of(), locality, weight, "", null);
    }

    static List<Endpoint> endpoints(int n) {
        List<Endpoint> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(endpoint(i));
        }
        return List.copyOf(list);
    }

    static List<Endpoint> weighted(int... weights) {
        List<Endpoint> list = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            list.add(endpoint(i, weights[i]));
        }
        return List.copyOf(list);
    }

    static PickContext context(Random random) {
        return new PickContext(null, Set.of(), random);
    }

    static PickContext keyed(String key, Random random) {
        return new PickContext(key, Set.of(), random);
    }

    static Map<Endpoint, Integer> tally(LoadBalancer lb, List<Endpoint> candidates, PickContext context, int picks) {
        Map<Endpoint, Integer> counts = new HashMap<>();
        for (int i = 0; i < picks; i++) {
            counts.merge(lb.pick(candidates, context), 1, Integer::sum);
        }
        return counts;
    }

    /** Binomial standard deviation of a count over {@code n} trials with probability {@code p}. */
    static double sigma(int n, double p) {
        return Math.sqrt(n * p * (1 - p));
    }

    /** A monotonic clock that only moves when told to. */
    static final class ManualClock implements LongSupplier {
        private final AtomicLong nanos = new AtomicLong(1_000_000_000_000L);

        @Override
        public long getAsLong() {
            return nanos.get();
        }

        void advanceSeconds(double seconds) {
            nanos.addAndGet((long) (seconds * 1e9));
        }
    }
}
