package io.proxyless.mesh.api;

import java.time.Duration;
import java.util.List;

/**
 * Istio {@code LoadBalancerSettings}: how an endpoint is picked. {@code simple} and {@code consistentHash} are
 * alternatives; {@code localityLbSetting} and {@code zoneAwareLbSetting} are alternatives.
 *
 * <pre>{@code
 * LoadBalancerSettings rr = LoadBalancerSettings.simple(SimpleLB.ROUND_ROBIN);
 * LoadBalancerSettings sticky = LoadBalancerSettings.consistentHash(ConsistentHashLB.httpHeaderName("x-user"));
 * }</pre>
 *
 * @param simple             a standard algorithm
 * @param consistentHash     hash-based affinity
 * @param localityLbSetting  locality-aware weighting and failover
 * @param zoneAwareLbSetting Envoy zone-aware routing
 * @param warmupDurationSecs slow-start window for new endpoints; Istio deprecated it for {@code warmup}
 * @param warmup             slow-start of new endpoints
 */
public record LoadBalancerSettings(
        SimpleLB simple,
        ConsistentHashLB consistentHash,
        LocalityLoadBalancerSetting localityLbSetting,
        @NotSupported("zone-aware routing needs the caller's own service membership per zone (Envoy self-discovery), "
                + "which an embedded client does not have; use localityLbSetting")
        ZoneAwareLoadBalancerSetting zoneAwareLbSetting,
        @DeprecatedField("warmup.duration")
        Duration warmupDurationSecs,
        WarmupConfiguration warmup) {

    public static LoadBalancerSettings simple(SimpleLB simple) {
        return new LoadBalancerSettings(simple, null, null, null, null, null);
    }

    public static LoadBalancerSettings consistentHash(ConsistentHashLB consistentHash) {
        return new LoadBalancerSettings(null, consistentHash, null, null, null, null);
    }

    /** Istio {@code LoadBalancerSettings.SimpleLB}. */
    public enum SimpleLB {
        /** No explicit choice: the default algorithm ({@code LEAST_REQUEST} for sidecars). */
        UNSPECIFIED,
        /**
         * Old name of {@link #LEAST_REQUEST}, which it means. Still accepted by Istio; the loader warns.
         *
         * @deprecated use {@link #LEAST_REQUEST}
         */
        @Deprecated
        @DeprecatedField("LEAST_REQUEST")
        LEAST_CONN,
        /** A random healthy endpoint. */
        RANDOM,
        /** No balancing: connect to the address the caller asked for. */
        PASSTHROUGH,
        /** Endpoints in turn. */
        ROUND_ROBIN,
        /** The less loaded of two random endpoints (power of two choices). */
        LEAST_REQUEST
    }

    /**
     * Istio {@code LoadBalancerSettings.ConsistentHashLB}: send requests with the same key to the same endpoint
     * while the endpoint set is stable. One hash key ({@code httpHeaderName}, {@code httpCookie},
     * {@code useSourceIp}, {@code httpQueryParameterName}) and at most one algorithm ({@code ringHash},
     * {@code maglev}; ring hash when neither).
     *
     * @param httpHeaderName         hash the value of this request header
     * @param httpCookie             hash this cookie
     * @param useSourceIp            hash the caller's IP address
     * @param httpQueryParameterName hash the value of this query parameter
     * @param ringHash               ring hash algorithm
     * @param maglev                 Maglev algorithm
     * @param minimumRingSize        ring size; Istio deprecated it for {@code ringHash.minimumRingSize}
     */
    public record ConsistentHashLB(
            String httpHeaderName,
            HTTPCookie httpCookie,
            @NotSupported("the client's own address is not known to the mesh; requests are spread as without a hash key")
            Boolean useSourceIp,
            String httpQueryParameterName,
            RingHash ringHash,
            MagLev maglev,
            @DeprecatedField("ringHash.minimumRingSize")
            Long minimumRingSize) {

        public static ConsistentHashLB httpHeaderName(String header) {
            return new ConsistentHashLB(header, null, null, null, null, null, null);
        }

        public static ConsistentHashLB httpCookie(HTTPCookie cookie) {
            return new ConsistentHashLB(null, cookie, null, null, null, null, null);
        }

        public static ConsistentHashLB sourceIp() {
            return new ConsistentHashLB(null, null, true, null, null, null, null);
        }

        public static ConsistentHashLB httpQueryParameterName(String parameter) {
            return new ConsistentHashLB(null, null, null, parameter, null, null, null);
        }

        /**
         * Istio {@code ConsistentHashLB.RingHash}.
         *
         * @param minimumRingSize smallest number of virtual nodes on the ring; 1024 when unset
         */
        public record RingHash(Long minimumRingSize) {
        }

        /**
         * Istio {@code ConsistentHashLB.MagLev}.
         *
         * @param tableSize lookup table size, a prime below 5000011; 65537 when unset
         */
        public record MagLev(Long tableSize) {
        }

        /**
         * Istio {@code ConsistentHashLB.HTTPCookie}: the cookie to hash on. When a TTL is given and the request
         * has no such cookie, one is generated.
         *
         * @param name       cookie name; required
         * @param path       path of a generated cookie
         * @param ttl        lifetime of a generated cookie; zero makes it a session cookie
         * @param attributes extra attributes of a generated cookie
         */
        public record HTTPCookie(
                String name,
                @NotSupported("the mesh hashes on an existing cookie but never generates one")
                String path,
                @NotSupported("the mesh hashes on an existing cookie but never generates one")
                Duration ttl,
                @NotSupported("the mesh hashes on an existing cookie but never generates one")
                List<Attribute> attributes) {
            public HTTPCookie {
                attributes = Immutables.list(attributes);
            }

            public static HTTPCookie of(String name, Duration ttl) {
                return new HTTPCookie(name, null, ttl, List.of());
            }

            /**
             * Istio {@code HTTPCookie.Attribute}, e.g. {@code SameSite=Strict}.
             *
             * @param name  attribute name; required
             * @param value attribute value, or null for a flag attribute
             */
            public record Attribute(String name, String value) {
            }
        }
    }
}
