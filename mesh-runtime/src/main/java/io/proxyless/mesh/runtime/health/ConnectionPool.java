package io.proxyless.mesh.runtime.health;

import io.proxyless.mesh.api.ConnectionPoolSettings;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.LongAdder;

/**
 * Circuit breaking for one cluster: Istio's {@code connectionPool} limits, enforced on the client before a
 * request is sent, answering what Envoy would (503 with {@code x-envoy-overloaded: true}, response flag UO).
 *
 * <pre>{@code
 * try (ConnectionPool.Permit permit = pool.tryAcquireRequest()) {
 *     if (!permit.granted()) {
 *         throw overflowError(cluster, permit.overflow()); // the adapter's typed error: 503, x-envoy-overloaded
 *     }
 *     return send(request);
 * }
 * }</pre>
 *
 * <h2>Model</h2>
 * Like Envoy's circuit breakers the limits are per cluster (all endpoints together), not per endpoint. The
 * client's own connection pool (OkHttp, Netty) does the actual queueing; this class only counts:
 * <ul>
 *   <li><b>in-flight</b>: requests holding a permit;</li>
 *   <li><b>pending</b>: in-flight beyond {@code tcp.maxConnections} — those that would wait for a connection;</li>
 *   <li>a request overflows when admitting it would make pending exceed {@code http.http1MaxPendingRequests}
 *       ({@link Overflow#PENDING_REQUESTS}) or in-flight exceed {@code http.http2MaxRequests}
 *       ({@link Overflow#MAX_REQUESTS});</li>
 *   <li>a retry needs a retry permit ({@code http.maxRetries} concurrent retries, {@link Overflow#MAX_RETRIES})
 *       in addition to its request permit. A refused retry does not fail the request: Envoy returns the last
 *       attempt's response.</li>
 * </ul>
 * With HTTP/2 one connection carries many requests; Envoy then rarely queues, and so, in this model, a request is
 * "pending" only when more requests are in flight than {@code maxConnections} allows — the same rule for both
 * protocols, which is exactly right for HTTP/1.1 and conservative for HTTP/2.
 *
 * <h2>Defaults</h2>
 * Istio programs every outbound cluster with max connections, pending requests, requests and retries all at
 * 2^32−1 ({@code getDefaultCircuitBreakerThresholds} in {@code cluster_traffic_policy.go}), also when the
 * DestinationRule has no {@code connectionPool}, replacing Envoy's own defaults (1024, 1024, 1024, 3). A field set
 * to 0 is indistinguishable from unset in Istio's proto and so also means 2^32−1. The connect timeout defaults to
 * the mesh's {@code connectTimeout}, 10 s.
 *
 * <h2>Concurrency</h2>
 * Acquiring is one CAS loop on an {@link AtomicLong}; releasing is one decrement; no locks. Limits can be replaced
 * with {@link #reconfigure} while requests are in flight; their permits release into the same counters.
 */
public final class ConnectionPool {

    /** Istio's "no limit": 2^32−1, the largest value of Envoy's uint32 thresholds. */
    public static final long UNLIMITED = 0xFFFF_FFFFL;
    /** The mesh default connect timeout ({@code MeshConfig.connectTimeout}). */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    /** Which limit refused a request, with the Envoy counter that the sidecar would increment. */
    public enum Overflow {
        /** More requests waiting for a connection than {@code http1MaxPendingRequests}. */
        PENDING_REQUESTS("http1MaxPendingRequests", "upstream_rq_pending_overflow"),
        /**
         * More requests in flight than {@code http2MaxRequests}. Envoy counts this one under
         * {@code upstream_rq_pending_overflow} too (there is no {@code upstream_rq_overflow} counter).
         */
        MAX_REQUESTS("http2MaxRequests", "upstream_rq_pending_overflow"),
        /** More retries in flight than {@code maxRetries}; the retry is not made. */
        MAX_RETRIES("maxRetries", "upstream_rq_retry_overflow");

        private final String istioField;
        private final String envoyStat;

        Overflow(String istioField, String envoyStat) {
            this.istioField = istioField;
            this.envoyStat = envoyStat;
        }

        /** The Istio {@code connectionPool} field whose limit was hit. */
        public String istioField() {
            return istioField;
        }

        /** The Envoy cluster counter a sidecar increments for this overflow. */
        public String envoyStat() {
            return envoyStat;
        }

        /** Envoy's access-log response flag for circuit-breaker overflows. */
        public String responseFlag() {
            return "UO";
        }
    }

    /**
     * The effective limits of a cluster.
     *
     * @param maxConnections           {@code tcp.maxConnections}: requests in flight beyond this are pending
     * @param maxPendingRequests       {@code http.http1MaxPendingRequests}
     * @param maxRequests              {@code http.http2MaxRequests}: most requests in flight
     * @param maxRetries               {@code http.maxRetries}: most retries in flight
     * @param maxRequestsPerConnection {@code http.maxRequestsPerConnection}; 0 = unlimited (for the adapter's pool)
     * @param connectTimeout           {@code tcp.connectTimeout}, 10 s by default (for the adapter)
     * @param idleTimeout              {@code http.idleTimeout}, else {@code tcp.idleTimeout}, else null (Envoy's
     *                                 1 h; for the adapter)
     * @param maxConnectionDuration    {@code tcp.maxConnectionDuration}, or null for unlimited (for the adapter)
     * @param http2KeepAliveInterval   {@code http.http2KeepAlive.interval}: HTTP/2 PING interval, or null for none
     *                                 (for the adapter)
     * @param http2KeepAliveTimeout    {@code http.http2KeepAlive.timeout}: PING answer deadline, or null (for the
     *                                 adapter)
     */
    public record Limits(long maxConnections, long maxPendingRequests, long maxRequests, long maxRetries,
                         int maxRequestsPerConnection, Duration connectTimeout, Duration idleTimeout,
                         Duration maxConnectionDuration, Duration http2KeepAliveInterval,
                         Duration http2KeepAliveTimeout) {

        /** No limits: what Istio gives a cluster whose DestinationRule sets no {@code connectionPool}. */
        public static final Limits ISTIO_DEFAULT = from(null);

        /** The limits Istio programs for {@code settings} (null: the defaults). */
        public static Limits from(ConnectionPoolSettings settings) {
            ConnectionPoolSettings.TCPSettings tcp = settings == null ? null : settings.tcp();
            ConnectionPoolSettings.HTTPSettings http = settings == null ? null : settings.http();
            long maxConnections = limit(tcp == null ? null : tcp.maxConnections());
            long maxPending = limit(http == null ? null : http.http1MaxPendingRequests());
            long maxRequests = limit(http == null ? null : http.http2MaxRequests());
            long maxRetries = limit(http == null ? null : http.maxRetries());
            Integer perConnection = http == null ? null : http.maxRequestsPerConnection();
            Duration connectTimeout = tcp != null && tcp.connectTimeout() != null ? tcp.connectTimeout()
                    : DEFAULT_CONNECT_TIMEOUT;
            Duration idle = http != null && http.idleTimeout() != null ? http.idleTimeout()
                    : tcp != null ? tcp.idleTimeout() : null;
            ConnectionPoolSettings.HTTPSettings.ConnectionKeepalive keepAlive = http == null ? null
                    : http.http2KeepAlive();
            return shared(new Limits(maxConnections, maxPending, maxRequests, maxRetries,
                    perConnection == null || perConnection < 0 ? 0 : perConnection, connectTimeout, idle,
                    tcp == null ? null : tcp.maxConnectionDuration(), keepAlive == null ? null : keepAlive.interval(),
                    keepAlive == null ? null : keepAlive.timeout()));
        }

        /**
         * The limits of an Envoy-shaped cluster: its default-priority circuit breakers and connection settings
         * ({@code Integer.MAX_VALUE}, Istio's "unlimited", counts as no limit).
         */
        public static Limits from(io.proxyless.mesh.runtime.model.CircuitBreakers breakers,
                                  io.proxyless.mesh.runtime.model.ConnectionSettings connection) {
            return shared(new Limits(threshold(breakers.maxConnections()), threshold(breakers.maxPendingRequests()),
                    threshold(breakers.maxRequests()), threshold(breakers.maxRetries()),
                    connection.maxRequestsPerConnection(), connection.connectTimeout(), connection.idleTimeout(),
                    connection.maxConnectionDuration(), connection.http2KeepAliveInterval(),
                    connection.http2KeepAliveTimeout()));
        }

        // Most clusters have no limits of their own: they share one value instead of holding a copy each.
        private static Limits shared(Limits limits) {
            return limits.equals(ISTIO_DEFAULT) ? ISTIO_DEFAULT : limits;
        }

        private static long threshold(int value) {
            return value == Integer.MAX_VALUE ? UNLIMITED : value;
        }

        // Istio only overrides a threshold with values > 0 (proto3 cannot tell 0 from unset).
        private static long limit(Integer value) {
            return value == null || value <= 0 ? UNLIMITED : value;
        }
    }

    /**
     * Counters for dumps, named after Envoy's cluster stats where one exists.
     *
     * @param activeRequests       requests in flight ({@code upstream_rq_active} + pending)
     * @param pendingRequests      of those, the ones beyond maxConnections ({@code upstream_rq_pending_active})
     * @param activeRetries        retries in flight now
     * @param requestsAdmitted     permits granted
     * @param pendingOverflows     refusals by http1MaxPendingRequests
     * @param maxRequestsOverflows refusals by http2MaxRequests
     * @param retryOverflows       retries refused by maxRetries ({@code upstream_rq_retry_overflow})
     */
    public record Stats(long activeRequests, long pendingRequests, long activeRetries, long requestsAdmitted,
                        long pendingOverflows, long maxRequestsOverflows, long retryOverflows) {
        /** What Envoy reports as {@code upstream_rq_pending_overflow}: both request overflows together. */
        public long upstreamRqPendingOverflow() {
            return pendingOverflows + maxRequestsOverflows;
        }
    }

    /**
     * Admission for one request or retry: close it exactly when the request (or retry attempt) is finished;
     * closing again does nothing. A refused permit ({@link #granted()} false) says which limit refused it and
     * may be closed harmlessly, so a try-with-resources block covers both cases.
     */
    public static final class Permit implements AutoCloseable {
        private static final AtomicIntegerFieldUpdater<Permit> RELEASED =
                AtomicIntegerFieldUpdater.newUpdater(Permit.class, "released");

        private static final Permit PENDING_OVERFLOW = new Permit(null, Overflow.PENDING_REQUESTS, false);
        private static final Permit MAX_REQUESTS_OVERFLOW = new Permit(null, Overflow.MAX_REQUESTS, false);
        private static final Permit RETRY_OVERFLOW = new Permit(null, Overflow.MAX_RETRIES, false);

        private final AtomicLong counter;
        private final Overflow overflow;
        private final boolean pending;
        private volatile int released;

        private Permit(AtomicLong counter, Overflow overflow, boolean pending) {
            this.counter = counter;
            this.overflow = overflow;
            this.pending = pending;
        }

        /** True when the request may be sent. */
        public boolean granted() {
            return overflow == null;
        }

        /** Which limit refused the request, or null when granted. */
        public Overflow overflow() {
            return overflow;
        }

        /** True when the request was admitted beyond maxConnections (it would wait for a connection in Envoy). */
        public boolean pending() {
            return pending;
        }

        /** Releases the capacity this permit holds; only the first call has an effect. */
        @Override
        public void close() {
            if (counter != null && RELEASED.compareAndSet(this, 0, 1)) {
                counter.decrementAndGet();
            }
        }

        @Override
        public String toString() {
            return granted() ? (pending ? "Permit[pending]" : "Permit[active]") : "Permit[overflow " + overflow + "]";
        }
    }

    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final LongAdder admitted = new LongAdder();
    // Refusals are rare (a refused request fails anyway), so plain fields rather than an adder each per cluster.
    private static final AtomicLongFieldUpdater<ConnectionPool> PENDING_OVERFLOWS =
            AtomicLongFieldUpdater.newUpdater(ConnectionPool.class, "pendingOverflows");
    private static final AtomicLongFieldUpdater<ConnectionPool> MAX_REQUESTS_OVERFLOWS =
            AtomicLongFieldUpdater.newUpdater(ConnectionPool.class, "maxRequestsOverflows");
    private static final AtomicLongFieldUpdater<ConnectionPool> RETRY_OVERFLOWS =
            AtomicLongFieldUpdater.newUpdater(ConnectionPool.class, "retryOverflows");
    private volatile long pendingOverflows;
    private volatile long maxRequestsOverflows;
    private volatile long retryOverflows;
    private volatile Limits limits;

    private ConnectionPool(Limits limits) {
        this.limits = limits;
    }

    /** A pool enforcing what Istio programs for {@code settings}; null gives Istio's (unlimited) defaults. */
    public static ConnectionPool create(ConnectionPoolSettings settings) {
        return new ConnectionPool(Limits.from(settings));
    }

    /** A pool enforcing {@code limits}. */
    public static ConnectionPool of(Limits limits) {
        return new ConnectionPool(Objects.requireNonNull(limits, "limits"));
    }

    /** Replaces the limits (config reload); in-flight requests and retries keep counting. */
    public void reconfigure(ConnectionPoolSettings settings) {
        applyLimits(Limits.from(settings));
    }

    /** Replaces the limits (config reload); in-flight requests and retries keep counting. */
    public void applyLimits(Limits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    /** The limits in force. */
    public Limits limits() {
        return limits;
    }

    /**
     * Admits one request, or says which limit refuses it. The granted permit must be closed when the request
     * completes (response fully read, failed or cancelled).
     */
    public Permit tryAcquireRequest() {
        Limits l = limits;
        for (;;) {
            long n = inFlight.get();
            // The pending check comes first as in Envoy: a request is queued for a connection before it is
            // attached to one and counted against max requests.
            if (n + 1 - l.maxConnections() > l.maxPendingRequests()) {
                PENDING_OVERFLOWS.incrementAndGet(this);
                return Permit.PENDING_OVERFLOW;
            }
            if (n >= l.maxRequests()) {
                MAX_REQUESTS_OVERFLOWS.incrementAndGet(this);
                return Permit.MAX_REQUESTS_OVERFLOW;
            }
            if (inFlight.compareAndSet(n, n + 1)) {
                admitted.increment();
                return new Permit(inFlight, null, n >= l.maxConnections());
            }
        }
    }

    /**
     * Admits one retry against {@code maxRetries}, or refuses it with {@link Overflow#MAX_RETRIES}. Hold the
     * permit for the duration of the retry attempt; the attempt also needs its own {@link #tryAcquireRequest()}.
     */
    public Permit tryAcquireRetry() {
        long max = limits.maxRetries();
        for (;;) {
            long n = retries.get();
            if (n >= max) {
                RETRY_OVERFLOWS.incrementAndGet(this);
                return Permit.RETRY_OVERFLOW;
            }
            if (retries.compareAndSet(n, n + 1)) {
                return new Permit(retries, null, false);
            }
        }
    }

    /** Requests in flight now. */
    public long activeRequests() {
        return inFlight.get();
    }

    /** Requests in flight beyond maxConnections now. */
    public long pendingRequests() {
        return Math.max(0, inFlight.get() - limits.maxConnections());
    }

    /** Retries in flight now. */
    public long activeRetries() {
        return retries.get();
    }

    /** Counters for dumps. */
    public Stats stats() {
        return new Stats(activeRequests(), pendingRequests(), activeRetries(), admitted.sum(),
                pendingOverflows, maxRequestsOverflows, retryOverflows);
    }
}
