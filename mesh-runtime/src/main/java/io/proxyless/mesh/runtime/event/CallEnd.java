package io.proxyless.mesh.runtime.event;

/** How a call through the mesh ended, as the call engine decided it. */
public enum CallEnd {
    /** Not over yet. */
    NONE,
    /** An attempt's response was delivered and its stream ended. */
    COMPLETED,
    /** The last attempt failed or answered with a status that was not (or no longer) retried. */
    ATTEMPT_FAILED,
    /** The route was not forwarded: the mesh answered itself (reject, redirect, direct response). */
    LOCAL_REPLY,
    /** Fault injection aborted the call. */
    FAULT_ABORT,
    /** The route timeout (or the caller's own deadline, when sooner) passed. */
    DEADLINE,
    /** The last attempt ran into its per-try timeout. */
    PER_TRY_TIMEOUT,
    /** The destination's circuit breaker refused the request. */
    OVERFLOW,
    /** No endpoint of the destination could be picked for a retry. */
    NO_HEALTHY_UPSTREAM,
    /** The adapter could not send an attempt at all (e.g. TLS towards the cluster cannot be set up). */
    LOCAL_FAILURE,
    /** The application cancelled the call. */
    CANCELLED
}
