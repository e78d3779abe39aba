package io.proxyless.mesh.micrometer;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.proxyless.mesh.runtime.health.ClusterHealth;
import io.proxyless.mesh.runtime.health.ConnectionPool;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Envoy's cluster stats for one cluster ({@code cluster_name="outbound|9080|v1|reviews.default.svc.cluster.local"}),
 * under the names a sidecar's {@code /stats/prometheus} shows. Envoy's counters carry no {@code _total} suffix
 * there; a Prometheus registry appends one to every Micrometer counter, so these monotonic values are registered as
 * gauges over a counter of our own: the rendered name is then exactly Envoy's (only the {@code # TYPE} line says
 * gauge; {@code rate()} and {@code increase()} work on them the same).
 */
final class ClusterStats {
    static final String CLUSTER_NAME = "cluster_name";
    static final String RETRY = "envoy_cluster_upstream_rq_retry";
    static final String PENDING_OVERFLOW = "envoy_cluster_upstream_rq_pending_overflow";
    static final String RETRY_OVERFLOW = "envoy_cluster_upstream_rq_retry_overflow";
    static final String EJECTIONS_ACTIVE = "envoy_cluster_outlier_detection_ejections_active";
    /** Not an Envoy stat (Envoy counts shadows in the mirror cluster's {@code upstream_rq_total}); the mesh's own. */
    static final String MIRROR_SENT = "envoy_cluster_upstream_rq_mirror_sent";
    /** Not an Envoy stat: mirror copies not sent (queue full, body not replayable, circuit breaker, no endpoint). */
    static final String MIRROR_DROPPED = "envoy_cluster_upstream_rq_mirror_dropped";

    final AtomicLong retries = new AtomicLong();
    final AtomicLong pendingOverflows = new AtomicLong();
    final AtomicLong retryOverflows = new AtomicLong();
    final AtomicLong mirrorsSent = new AtomicLong();
    final AtomicLong mirrorsDropped = new AtomicLong();

    /** Registers the stats of cluster {@code key}; ejections are read from {@code health} at scrape time. */
    ClusterStats(MeterRegistry registry, String key, Supplier<ClusterHealth> health) {
        count(registry, RETRY, key, retries, "Retries of requests to the cluster");
        count(registry, PENDING_OVERFLOW, key, pendingOverflows,
                "Requests refused by the cluster's circuit breaker (pending requests or max requests)");
        count(registry, RETRY_OVERFLOW, key, retryOverflows, "Retries not made: the cluster's maxRetries was reached");
        count(registry, MIRROR_SENT, key, mirrorsSent, "Mirror copies sent to the cluster");
        count(registry, MIRROR_DROPPED, key, mirrorsDropped, "Mirror copies for the cluster that were not sent");
        Gauge.builder(EJECTIONS_ACTIVE, () -> ejected(health.get(), key)).tag(CLUSTER_NAME, key)
                .description("Endpoints of the cluster ejected by outlier detection now").strongReference(true)
                .register(registry);
    }

    void overflow(ConnectionPool.Overflow overflow) {
        (overflow == ConnectionPool.Overflow.MAX_RETRIES ? retryOverflows : pendingOverflows).incrementAndGet();
    }

    private static int ejected(ClusterHealth health, String key) {
        ClusterHealth.Entry entry = health.get(key);
        return entry == null ? 0 : entry.outlier().snapshot().ejectedCount();
    }

    private static void count(MeterRegistry registry, String name, String key, AtomicLong value, String help) {
        Gauge.builder(name, value, AtomicLong::get).tag(CLUSTER_NAME, key).description(help).strongReference(true)
                .register(registry);
    }
}
