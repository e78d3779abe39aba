package io.proxyless.mesh.runtime.event;

import io.proxyless.mesh.runtime.health.AttemptOutcome;
import io.proxyless.mesh.runtime.registry.Endpoint;

/** What a listener can see of one attempt: one try of a call against one endpoint. */
public interface AttemptView {
    /** 1 for the first try, 2 for the first retry, … */
    int number();

    /** The endpoint the attempt went to (its labels carry the workload's {@code version}, …). */
    Endpoint endpoint();

    /** Istio's cluster name of the attempt, {@code outbound|PORT|SUBSET|HOST}. */
    String clusterKey();

    /** What happened, as outlier detection was told; null while running or when abandoned. */
    AttemptOutcome outcome();

    /** Response flags of this attempt ({@link ResponseFlag} bits). */
    int responseFlags();

    /** When it started, on the mesh clock ({@code MeshClock.nanoTime}). */
    long startNanos();
}
