package io.proxyless.mesh.runtime.health;

import io.proxyless.mesh.api.ConnectionPoolSettings;
import io.proxyless.mesh.api.OutlierDetection;
import io.proxyless.mesh.runtime.registry.Endpoint;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The health state of every cluster, keyed by Istio's cluster name, kept across config snapshots: a cluster that
 * is still there after a reload keeps its outlier detector (ejections, counters) and connection pool (in-flight
 * counts), with the new policy applied in place; a cluster that disappeared is dropped with {@link #retain}.
 *
 * <pre>{@code
 * // when compiling a snapshot
 * for (each cluster) {
 *     ClusterHealth.Entry h = health.forCluster(key, policy.outlierDetection(), policy.connectionPool(), endpoints);
 *     ... new Cluster(key, ..., h.outlier(), h.pool(), ...)
 * }
 * health.retain(liveKeys);
 * }</pre>
 *
 * Snapshot compilation calls {@link #forCluster} from one thread at a time; requests only use the returned
 * detector and pool, which are thread-safe.
 */
public final class ClusterHealth {

    /**
     * The health parts of one cluster.
     *
     * @param key     Istio's cluster name, e.g. {@code outbound|9080|v1|reviews.default.svc.cluster.local}
     * @param outlier its outlier detector (disabled when the policy has no {@code outlierDetection})
     * @param pool    its circuit breaker
     */
    public record Entry(String key, OutlierDetector outlier, ConnectionPool pool) {
        public Entry {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(outlier, "outlier");
            Objects.requireNonNull(pool, "pool");
        }
    }

    private final ConcurrentHashMap<String, Entry> clusters = new ConcurrentHashMap<>();
    private final LongSupplier nanoTime;

    /** A registry on the system clock. */
    public ClusterHealth() {
        this(System::nanoTime);
    }

    /** A registry whose detectors read time from {@code nanoTime} (a fake clock in tests). */
    public ClusterHealth(LongSupplier nanoTime) {
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    /**
     * The detector and pool of cluster {@code key}, created on first use and otherwise reconfigured in place
     * with the (possibly changed) policy blocks; either block may be null (detection off / Istio's unlimited pool).
     */
    public Entry forCluster(String key, OutlierDetection outlierDetection, ConnectionPoolSettings connectionPool) {
        Objects.requireNonNull(key, "key");
        Entry existing = clusters.get(key);
        if (existing != null) {
            existing.outlier().reconfigure(outlierDetection);
            existing.pool().reconfigure(connectionPool);
            return existing;
        }
        Entry created = new Entry(key, OutlierDetector.create(outlierDetection, nanoTime),
                ConnectionPool.create(connectionPool));
        Entry raced = clusters.putIfAbsent(key, created);
        if (raced != null) {
            raced.outlier().reconfigure(outlierDetection);
            raced.pool().reconfigure(connectionPool);
            return raced;
        }
        return created;
    }

    /**
     * Like {@link #forCluster(String, OutlierDetection, ConnectionPoolSettings)}, and also tells the detector the
     * cluster's current endpoints (the ejection percentage's denominator; state of departed endpoints is dropped).
     */
    public Entry forCluster(String key, OutlierDetection outlierDetection, ConnectionPoolSettings connectionPool,
                            Collection<Endpoint> endpoints) {
        Entry entry = forCluster(key, outlierDetection, connectionPool);
        entry.outlier().updateEndpoints(endpoints);
        return entry;
    }

    /**
     * Only the outlier-detection half of {@link #forCluster}: the detector of cluster {@code key}, created or
     * reconfigured with {@code outlierDetection}; the cluster's pool is created with Istio's defaults if new and
     * otherwise left as it is.
     */
    public OutlierDetector outlier(String key, OutlierDetection outlierDetection) {
        OutlierDetector detector = entry(key).outlier();
        detector.reconfigure(outlierDetection);
        return detector;
    }

    /**
     * Like {@link #outlier(String, OutlierDetection)}, also telling the detector the cluster's endpoints
     * (see {@link OutlierDetector#updateEndpoints}).
     */
    public OutlierDetector outlier(String key, OutlierDetection outlierDetection, Collection<Endpoint> endpoints) {
        OutlierDetector detector = outlier(key, outlierDetection);
        detector.updateEndpoints(endpoints);
        return detector;
    }

    /**
     * Only the circuit-breaker half of {@link #forCluster}: the pool of cluster {@code key}, created or
     * reconfigured with {@code connectionPool}; the detector is left as it is (disabled if new).
     */
    public ConnectionPool pool(String key, ConnectionPoolSettings connectionPool) {
        ConnectionPool pool = entry(key).pool();
        pool.reconfigure(connectionPool);
        return pool;
    }

    private Entry entry(String key) {
        Objects.requireNonNull(key, "key");
        return clusters.computeIfAbsent(key, k -> new Entry(k, OutlierDetector.create(null, nanoTime),
                ConnectionPool.create(null)));
    }

    /**
     * A new entry for {@code key} on this registry's clock, configured with the policy but not registered: a
     * compilation builds it without touching shared state, and {@link HealthPlan#apply} registers it.
     */
    Entry newEntry(String key, OutlierDetector.Settings outlierDetection, ConnectionPool.Limits connectionPool) {
        return new Entry(key, OutlierDetector.of(outlierDetection, nanoTime), ConnectionPool.of(connectionPool));
    }

    /** Registers an entry built by {@link #newEntry} (replacing nothing: a compilation makes one only for new keys). */
    void register(Entry entry) {
        clusters.put(entry.key(), entry);
    }

    /** The entry of {@code key}, or null. */
    public Entry get(String key) {
        return clusters.get(key);
    }

    /**
     * Drops every cluster whose key is not in {@code liveKeys} (clusters gone from the new snapshot).
     *
     * @return the keys dropped, sorted
     */
    public Set<String> retain(Collection<String> liveKeys) {
        Set<?> live = liveKeys instanceof Set<?> set ? set : Set.copyOf(liveKeys);
        Set<String> dropped = new TreeSet<>();
        clusters.keySet().removeIf(k -> {
            if (live.contains(k)) {
                return false;
            }
            dropped.add(k);
            return true;
        });
        return dropped;
    }

    /** Drops one cluster; true if it was there. */
    public boolean remove(String key) {
        return clusters.remove(key) != null;
    }

    /** All entries, sorted by key (for dumps). */
    public Map<String, Entry> entries() {
        return new TreeMap<>(clusters);
    }

    /** Number of clusters held. */
    public int size() {
        return clusters.size();
    }
}
