package io.proxyless.mesh.runtime.balancing;

import com.google.common.math.LongMath;
import io.proxyless.mesh.api.LoadBalancerSettings;
import io.proxyless.mesh.api.LoadBalancerSettings.ConsistentHashLB;
import io.proxyless.mesh.api.LoadBalancerSettings.SimpleLB;
import io.proxyless.mesh.runtime.model.LbPolicy;
import io.proxyless.mesh.runtime.registry.Endpoint;
import java.util.List;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Builds the {@link LoadBalancer} for a cluster from its effective Istio {@code loadBalancer} settings.
 *
 * <pre>{@code
 * // once per cluster per config snapshot
 * EndpointTracker tracker = trackers.computeIfAbsent(clusterKey, k -> new EndpointTracker());
 * LoadBalancer lb = LoadBalancers.create(policy.loadBalancer(), endpoints, null, tracker);
 *
 * // per attempt
 * Endpoint e = lb.pick(healthyEndpoints, new PickContext(hashKey, triedBefore, random));
 * lb.onAttemptStart(e);
 * try { send(e); } finally { lb.onAttemptEnd(e); }
 * }</pre>
 *
 * <h2>Which policy</h2>
 * <ul>
 *   <li>{@code consistentHash} set: {@code MAGLEV} when {@code maglev} is given (table size 65537 unless set),
 *       else {@code RING_HASH} ({@code ringHash.minimumRingSize}, else the deprecated
 *       {@code consistentHash.minimumRingSize} when neither algorithm is named, else 1024). Istio applies it over
 *       whatever {@code simple} says.</li>
 *   <li>{@code simple}: {@code ROUND_ROBIN}, {@code RANDOM}, {@code PASSTHROUGH}, {@code LEAST_REQUEST};
 *       {@code LEAST_CONN} (deprecated alias) and {@code UNSPECIFIED} are {@code LEAST_REQUEST}.</li>
 *   <li>no settings, or neither set: {@code LEAST_REQUEST}, the sidecar default since Istio 1.14. (istiod's
 *       proxyless-gRPC generator defaults to round robin; we follow the sidecar.)</li>
 *   <li>{@code warmup} / deprecated {@code warmupDurationSecs}: slow start for {@code ROUND_ROBIN} and
 *       {@code LEAST_REQUEST} only, as Istio configures it; needs an {@link EndpointTracker} that outlives
 *       snapshots, since endpoint age is measured from its first sighting there.</li>
 *   <li>{@code localityLbSetting} is not a balancer concern: the engine splits endpoints into priority levels with
 *       {@link LocalityPrioritizer}, passes a level's healthy endpoints as candidates, and passes
 *       {@link LocalityPriorities#weight} as the weight function so that {@code distribute} shares apply.</li>
 * </ul>
 *
 * <h2>Design note</h2>
 * <p><b>Lifecycle.</b> A balancer is built once per cluster (host + subset + port) per config snapshot, from all
 * the cluster's endpoints: hash rings, Maglev tables and EDF deadlines are computed here, never on a request.
 * What must outlive a snapshot — in-flight counts, first-seen times — lives in the {@link EndpointTracker}.
 *
 * <p><b>Pick path.</b> No locks and no per-pick collections. Each pick reads the candidate list (the healthy
 * endpoints; normally the cluster list itself or a subset with the same instances and order) and touches only
 * atomics: round robin one {@code getAndIncrement}; weighted round robin and weighted least request one pass over
 * the candidates and a compare-and-set on the chosen endpoint's deadline ({@link EdfSchedule}); least request two
 * random draws and two counter reads; random one or two passes; ring hash a binary search, Maglev an array read,
 * then a walk to the first slot whose owner is a candidate. Mapping a candidate to its per-endpoint state is an
 * identity comparison at the expected position, falling back to an identity map. The only allocation is hashing
 * a consistent-hash key (Guava's hasher), a few small short-lived objects.
 *
 * <p><b>Costs</b> (k candidates, n cluster endpoints, R ring points):
 * <table>
 *   <caption>per pick</caption>
 *   <tr><th>policy</th><th>pick</th><th>build</th></tr>
 *   <tr><td>ROUND_ROBIN equal weights</td><td>O(1) (O(k) when skipping previous hosts)</td><td>O(n)</td></tr>
 *   <tr><td>ROUND_ROBIN weighted / warming</td><td>O(k)</td><td>O(n)</td></tr>
 *   <tr><td>LEAST_REQUEST equal weights</td><td>O(1)</td><td>O(n)</td></tr>
 *   <tr><td>LEAST_REQUEST weighted / warming</td><td>O(k)</td><td>O(n)</td></tr>
 *   <tr><td>RANDOM</td><td>O(1) equal weights, else O(k)</td><td>O(n)</td></tr>
 *   <tr><td>RING_HASH</td><td>O(log R + k)</td><td>O(R log R)</td></tr>
 *   <tr><td>MAGLEV</td><td>O(k)</td><td>O(M) for table size M (more with very uneven weights)</td></tr>
 * </table>
 *
 * <p><b>Ejection and retries.</b> Outlier ejection removes endpoints from the candidates; balancers never rebuild
 * for it. Hash balancers walk past non-candidates, so only the ejected endpoint's keys move, and move back when
 * it returns (Envoy rebuilds the ring from healthy hosts, with the same effect on the moved keys). Round robin,
 * least request and random prefer candidates not in {@code previousHosts} and reuse one only when nothing else
 * is left; hash balancers ignore {@code previousHosts}, because Istio drops the previous-hosts retry predicate for
 * consistent-hash destinations.
 *
 * <p><b>Where we differ from Envoy</b>, and why:
 * <ul>
 *   <li>keys and ring points are hashed with murmur3 (Guava), not xxHash64: a given key may land on a different
 *       endpoint than a sidecar would send it to, but affinity among our clients is just as stable;</li>
 *   <li>RANDOM honours endpoint weights (Envoy's ignores them);</li>
 *   <li>EDF is a lock-free scan rather than a per-worker heap; schedules match, the exact tie order may not;</li>
 *   <li>locality weights (Istio's {@code distribute}, xDS locality {@code load_balancing_weight}) are folded into
 *       endpoint weights (locality share × endpoint share of its locality) instead of a separate locality pick,
 *       which gives the same split; only while outlier detection has ejected some of their endpoints does the
 *       engine choose a locality first ({@link WeightedLocalities}), to scale it by its availability as Envoy
 *       does;</li>
 *   <li>the healthy-panic threshold and priority spill-over are the engine's job
 *       ({@link LocalityPriorities#chooseLevel}), not the balancer's.</li>
 * </ul>
 */
public final class LoadBalancers {

    /** Envoy's ring hash minimum when Istio's {@code minimumRingSize} is unset (or 0). */
    public static final long DEFAULT_MINIMUM_RING_SIZE = 1024;
    /** Envoy's default {@code maximum_ring_size}, which Istio leaves as is. */
    public static final long MAXIMUM_RING_SIZE = 8 * 1024 * 1024;
    /** Envoy's Maglev table size when Istio's {@code tableSize} is unset (or 0). */
    public static final long DEFAULT_MAGLEV_TABLE_SIZE = 65537;
    /** Exclusive upper bound of a Maglev table size (Istio validation). */
    public static final long MAGLEV_TABLE_SIZE_LIMIT = 5000011;

    private LoadBalancers() {
    }

    /**
     * A balancer over {@code clusterEndpoints} weighted by {@link Endpoint#weight()}, with a tracker of its own
     * (so no warmup and no in-flight carry-over between snapshots; tests and one-off uses).
     *
     * @param settings         the effective {@code loadBalancer} of the destination's traffic policy, or null
     * @param clusterEndpoints every endpoint of the cluster, in registry order
     */
    public static LoadBalancer create(LoadBalancerSettings settings, List<Endpoint> clusterEndpoints) {
        return create(settings, clusterEndpoints, null, new EndpointTracker());
    }

    /**
     * A balancer over {@code clusterEndpoints}.
     *
     * @param settings         the effective {@code loadBalancer} of the destination's traffic policy, or null
     * @param clusterEndpoints every endpoint of the cluster, in registry order; picks return only those among the
     *                         candidates given to each pick
     * @param weights          weight of each endpoint, e.g. {@link LocalityPriorities#weight}; null means
     *                         {@link Endpoint#weight()}; non-positive results fall back to {@link Endpoint#weight()}
     * @param tracker          the cluster's long-lived {@link EndpointTracker}
     */
    public static LoadBalancer create(LoadBalancerSettings settings, List<Endpoint> clusterEndpoints,
                                      ToDoubleFunction<Endpoint> weights, EndpointTracker tracker) {
        Objects.requireNonNull(clusterEndpoints, "clusterEndpoints");
        Objects.requireNonNull(tracker, "tracker");
        String policy = policyName(settings);
        if (policy.equals("PASSTHROUGH")) {
            return PassthroughBalancer.INSTANCE;
        }
        boolean slowStartApplies = policy.equals("ROUND_ROBIN") || policy.equals("LEAST_REQUEST");
        IndexedEndpoints table = new IndexedEndpoints(clusterEndpoints, weights, tracker,
                slowStartApplies ? SlowStart.from(settings) : null);
        return switch (policy) {
            case "MAGLEV" -> new MaglevBalancer(table, maglevTableSize(settings.consistentHash()));
            case "RING_HASH" -> new RingHashBalancer(table, minimumRingSize(settings.consistentHash()));
            case "ROUND_ROBIN" -> new RoundRobinBalancer(table);
            case "RANDOM" -> new RandomBalancer(table);
            default -> new LeastRequestBalancer(table);
        };
    }

    /**
     * A balancer for an Envoy-shaped cluster's {@code lb_policy}: the same balancers as for Istio's settings
     * ({@code null}: least request, the sidecar default). What a consistent-hash balancer hashes is the route's
     * business ({@code HashPolicy}), handed to each pick.
     *
     * @param policy           the cluster's policy, or null
     * @param clusterEndpoints every endpoint of the cluster
     * @param weights          weight of each endpoint, or null for {@link Endpoint#weight()}
     * @param tracker          the cluster's long-lived {@link EndpointTracker}
     */
    public static LoadBalancer create(LbPolicy policy, List<Endpoint> clusterEndpoints,
                                      ToDoubleFunction<Endpoint> weights, EndpointTracker tracker) {
        Objects.requireNonNull(clusterEndpoints, "clusterEndpoints");
        Objects.requireNonNull(tracker, "tracker");
        LbPolicy p = policy == null ? LbPolicy.leastRequest() : policy;
        if (p.kind() == LbPolicy.Kind.CLUSTER_PROVIDED) {
            return PassthroughBalancer.INSTANCE;
        }
        IndexedEndpoints table = new IndexedEndpoints(clusterEndpoints, weights, tracker,
                SlowStart.from(p.slowStart()));
        return switch (p.kind()) {
            case MAGLEV -> new MaglevBalancer(table, p.tableSize() <= 0 ? DEFAULT_MAGLEV_TABLE_SIZE : p.tableSize());
            case RING_HASH -> new RingHashBalancer(table, p.minimumRingSize() <= 0 ? DEFAULT_MINIMUM_RING_SIZE
                    : Math.min(p.minimumRingSize(), MAXIMUM_RING_SIZE));
            case ROUND_ROBIN -> new RoundRobinBalancer(table);
            case RANDOM -> new RandomBalancer(table);
            case LEAST_REQUEST, CLUSTER_PROVIDED -> new LeastRequestBalancer(table);
        };
    }

    /**
     * The {@link LoadBalancer#name()} that {@link #create} would give for {@code settings}, without building
     * anything: ROUND_ROBIN, LEAST_REQUEST, RANDOM, PASSTHROUGH, RING_HASH or MAGLEV.
     */
    @SuppressWarnings("deprecation") // LEAST_CONN is handled on purpose
    public static String policyName(LoadBalancerSettings settings) {
        if (settings == null) {
            return "LEAST_REQUEST";
        }
        ConsistentHashLB hash = settings.consistentHash();
        if (hash != null) {
            return hash.maglev() != null ? "MAGLEV" : "RING_HASH";
        }
        SimpleLB simple = settings.simple();
        if (simple == null) {
            return "LEAST_REQUEST";
        }
        return switch (simple) {
            case ROUND_ROBIN -> "ROUND_ROBIN";
            case RANDOM -> "RANDOM";
            case PASSTHROUGH -> "PASSTHROUGH";
            case LEAST_REQUEST, LEAST_CONN, UNSPECIFIED -> "LEAST_REQUEST";
        };
    }

    /** The ring hash minimum size in force: {@code ringHash.minimumRingSize}, the deprecated field, or 1024. */
    @SuppressWarnings("deprecation")
    static long minimumRingSize(ConsistentHashLB hash) {
        Long size;
        if (hash.ringHash() != null) {
            size = hash.ringHash().minimumRingSize();
        } else {
            // Istio reads the deprecated top-level field only when no algorithm is named.
            size = hash.minimumRingSize();
        }
        return size == null || size <= 0 ? DEFAULT_MINIMUM_RING_SIZE : Math.min(size, MAXIMUM_RING_SIZE);
    }

    /**
     * The Maglev table size in force: {@code maglev.tableSize} or 65537. Validation requires a prime below
     * 5000011; should an unvalidated value get here, the next prime (within the limit) is used, because Maglev's
     * permutations only cover the table when its size is prime.
     */
    static long maglevTableSize(ConsistentHashLB hash) {
        Long size = hash.maglev() == null ? null : hash.maglev().tableSize();
        if (size == null || size <= 0) {
            return DEFAULT_MAGLEV_TABLE_SIZE;
        }
        long start = Math.max(2, Math.min(size, MAGLEV_TABLE_SIZE_LIMIT - 1));
        for (long up = start; up < MAGLEV_TABLE_SIZE_LIMIT; up++) {
            if (LongMath.isPrime(up)) {
                return up;
            }
        }
        long down = start;
        while (!LongMath.isPrime(down)) {
            down--;
        }
        return down;
    }
}
