package io.proxyless.mesh.runtime.routing;

import io.proxyless.mesh.runtime.health.HealthPlan;
import java.util.Objects;

/**
 * The result of compiling one config snapshot: the immutable snapshot requests will read, and the plan for the
 * long-lived health state (outlier detectors, connection pools) that must be carried out when — and only when —
 * the snapshot is published.
 *
 * @param snapshot the compiled snapshot
 * @param plan     what publishing it does to the health state
 */
public record Compilation(CompiledMesh snapshot, HealthPlan plan) {
    public Compilation {
        Objects.requireNonNull(snapshot, "snapshot");
        Objects.requireNonNull(plan, "plan");
    }
}
