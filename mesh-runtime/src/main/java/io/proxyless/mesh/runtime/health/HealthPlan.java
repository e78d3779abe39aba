package io.proxyless.mesh.runtime.health;

import io.proxyless.mesh.runtime.registry.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a compiled snapshot asks of the long-lived health state (outlier detectors and connection pools, keyed by
 * cluster), to be carried out when — and only when — the snapshot is published. Compiling has no side effects:
 * a snapshot that fails to compile, or is never published, leaves every detector and pool as the snapshot in
 * force configured it.
 *
 * <pre>{@code
 * Compilation next = compiler.compile(config, current);   // pure
 * next.plan().apply(health);                              // then publish
 * current = next.snapshot();
 * }</pre>
 */
public final class HealthPlan {

    /**
     * The health parts one cluster of the new snapshot uses, and the settings they must take.
     *
     * @param entry            the cluster's detector and pool (existing ones are reused, so state carries over)
     * @param outlierDetection the detector's new settings, or null (off)
     * @param connectionPool   the pool's new limits
     * @param endpoints        the cluster's endpoints in the new snapshot
     * @param created          true when the entry was made for this snapshot (not yet in the registry)
     */
    public record Step(ClusterHealth.Entry entry, OutlierDetector.Settings outlierDetection,
                       ConnectionPool.Limits connectionPool, List<Endpoint> endpoints, boolean created) {
        public Step {
            Objects.requireNonNull(entry, "entry");
            Objects.requireNonNull(connectionPool, "connectionPool");
            endpoints = List.copyOf(endpoints);
        }
    }

    private final List<Step> steps;
    private final Set<String> liveKeys;

    // Both are the builder's own, handed over (a plan names every cluster of its snapshot: no copy of thousands).
    private HealthPlan(List<Step> steps, Set<String> liveKeys) {
        this.steps = java.util.Collections.unmodifiableList(steps);
        this.liveKeys = java.util.Collections.unmodifiableSet(liveKeys);
    }

    /**
     * The entry cluster {@code key} will use: the registry's existing one (left unchanged until {@link #apply}),
     * or a new one already configured with the new policy (nobody else sees it before it is published).
     */
    public static ClusterHealth.Entry entryFor(ClusterHealth health, String key,
                                               OutlierDetector.Settings outlierDetection,
                                               ConnectionPool.Limits connectionPool, List<Endpoint> endpoints) {
        ClusterHealth.Entry existing = health.get(key);
        if (existing != null) {
            return existing;
        }
        ClusterHealth.Entry created = health.newEntry(key, outlierDetection, connectionPool);
        created.outlier().updateEndpoints(endpoints);
        return created;
    }

    /** Collects the steps of one compilation. */
    public static final class Builder {
        private final List<Step> steps = new ArrayList<>();
        private final List<String> kept = new ArrayList<>();

        /** Records that the new snapshot's cluster uses {@code entry} with these settings. */
        public Builder cluster(ClusterHealth.Entry entry, OutlierDetector.Settings outlierDetection,
                               ConnectionPool.Limits connectionPool, List<Endpoint> endpoints, boolean created) {
            steps.add(new Step(entry, outlierDetection, connectionPool, endpoints, created));
            return this;
        }

        /**
         * Records that the new snapshot's cluster {@code key} uses the entry in force exactly as the snapshot in
         * force configured it (same settings, same endpoints: a cluster carried over by an incremental compile), so
         * publishing has nothing to change in it but must keep it.
         */
        public Builder keep(String key) {
            kept.add(key);
            return this;
        }

        public HealthPlan build() {
            Set<String> live = new java.util.HashSet<>(kept);
            steps.forEach(s -> live.add(s.entry().key()));
            return new HealthPlan(new ArrayList<>(steps), live);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The steps, one per cluster of the new snapshot. */
    public List<Step> steps() {
        return steps;
    }

    /** The clusters of the new snapshot; every other cluster's health state is dropped. */
    public Set<String> liveKeys() {
        return liveKeys;
    }

    /**
     * Carries the plan out: reconfigures existing detectors and pools in place (state kept), registers the new
     * ones and drops the state of clusters that are gone. Call it right before publishing the snapshot, from the
     * thread that publishes.
     */
    public void apply(ClusterHealth health) {
        for (Step step : steps) {
            if (step.created()) {
                health.register(step.entry());
            } else {
                step.entry().outlier().applySettings(step.outlierDetection());
                step.entry().outlier().updateEndpoints(step.endpoints());
                step.entry().pool().applyLimits(step.connectionPool());
            }
        }
        health.retain(liveKeys);
    }
}
