package io.proxyless.mesh.runtime.model;

import java.time.Duration;
import java.util.Objects;

/**
 * Envoy's load-balancing policy of a cluster. Consistent-hash policies (ring hash, maglev) hash what the route's
 * {@link HashPolicy} names.
 *
 * @param kind            the algorithm
 * @param minimumRingSize ring hash: the ring's minimum size (Istio's default 1024)
 * @param tableSize       maglev: the lookup table's size, prime (Envoy's default 65537)
 * @param slowStart       slow start of new endpoints (round robin, least request), or null
 * @param localityWeighted Envoy's locality-weighted balancing ({@code common_lb_config.locality_weighted_lb_config},
 *                        the {@code wrr_locality} policy; Istio sets it for {@code distribute}): within a priority a
 *                        locality is picked by its {@link LbEndpoint#localityShare()}, then an endpoint within it by
 *                        this policy. When false, locality shares are ignored.
 */
public record LbPolicy(Kind kind, long minimumRingSize, long tableSize, SlowStart slowStart,
                       boolean localityWeighted) {

    public enum Kind {
        ROUND_ROBIN,
        LEAST_REQUEST,
        RANDOM,
        RING_HASH,
        MAGLEV,
        /**
         * No balancing: the first endpoint (Envoy's {@code CLUSTER_PROVIDED}; Istio's {@code PASSTHROUGH}, whose
         * clusters connect to the address the caller asked for).
         */
        CLUSTER_PROVIDED
    }

    /** Istio's {@code warmup}: an endpoint's weight ramps up over {@code window} after it appears. */
    public record SlowStart(Duration window, double aggression, double minWeightPercent) {
        public SlowStart {
            Objects.requireNonNull(window, "window");
            if (aggression <= 0) {
                throw new IllegalArgumentException("slow start aggression must be positive");
            }
        }
    }

    public static final long DEFAULT_MINIMUM_RING_SIZE = 1024;
    public static final long DEFAULT_TABLE_SIZE = 65537;

    public LbPolicy(Kind kind, long minimumRingSize, long tableSize, SlowStart slowStart) {
        this(kind, minimumRingSize, tableSize, slowStart, false);
    }

    public LbPolicy {
        Objects.requireNonNull(kind, "kind");
        if (slowStart != null && kind != Kind.ROUND_ROBIN && kind != Kind.LEAST_REQUEST) {
            throw new IllegalArgumentException("slow start applies to ROUND_ROBIN and LEAST_REQUEST only");
        }
    }

    public static LbPolicy roundRobin() {
        return new LbPolicy(Kind.ROUND_ROBIN, 0, 0, null);
    }

    public static LbPolicy leastRequest() {
        return new LbPolicy(Kind.LEAST_REQUEST, 0, 0, null);
    }

    public static LbPolicy random() {
        return new LbPolicy(Kind.RANDOM, 0, 0, null);
    }

    public static LbPolicy clusterProvided() {
        return new LbPolicy(Kind.CLUSTER_PROVIDED, 0, 0, null);
    }

    public static LbPolicy ringHash(long minimumRingSize) {
        return new LbPolicy(Kind.RING_HASH, minimumRingSize, 0, null);
    }

    public static LbPolicy maglev(long tableSize) {
        return new LbPolicy(Kind.MAGLEV, 0, tableSize, null);
    }

    public LbPolicy withSlowStart(SlowStart slowStart) {
        return new LbPolicy(kind, minimumRingSize, tableSize, slowStart, localityWeighted);
    }

    /** This policy with locality-weighted balancing on or off. */
    public LbPolicy withLocalityWeighted(boolean localityWeighted) {
        return new LbPolicy(kind, minimumRingSize, tableSize, slowStart, localityWeighted);
    }

    public boolean consistentHash() {
        return kind == Kind.RING_HASH || kind == Kind.MAGLEV;
    }
}
