package io.proxyless.mesh.okhttp;

import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.call.FaultDecision;
import io.proxyless.mesh.runtime.health.AttemptOutcome;
import io.proxyless.mesh.runtime.health.ConnectionPool;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.routing.Mirror;
import java.time.Duration;
import okhttp3.Request;

/**
 * Everything the mesh decides for a call, reported as it happens (like OkHttp's own {@code EventListener}). All
 * methods do nothing by default; implementations must be fast and thread-safe, and must not throw.
 *
 * <pre>{@code
 * MeshInterceptor.builder(mesh).listener(new MeshEventListener() {
 *     public void retrying(Request request, int retry, Duration backoff, AttemptOutcome previous) {
 *         retries.increment();
 *     }
 * }).build();
 * }</pre>
 */
public interface MeshEventListener {

    /** A listener that ignores everything. */
    MeshEventListener NONE = new MeshEventListener() {
    };

    /** The engine decided what to do with {@code request}. */
    default void routed(Request request, RouteDecision decision) {
    }

    /** Fault injection delays and/or aborts {@code request}. */
    default void faultInjected(Request request, FaultDecision fault) {
    }

    /** Attempt {@code attempt} (1 for the first try) goes to {@code endpoint}. */
    default void attemptStarted(Request request, Endpoint endpoint, int attempt) {
    }

    /** Attempt {@code attempt} ended; the outcome is what outlier detection was told. */
    default void attemptFinished(Request request, Endpoint endpoint, int attempt, AttemptOutcome outcome) {
    }

    /** Retry {@code retry} (1-based) will be sent after {@code backoff}. */
    default void retrying(Request request, int retry, Duration backoff, AttemptOutcome previous) {
    }

    /** The circuit breaker refused the call (or a retry). */
    default void overflow(Request request, String cluster, ConnectionPool.Overflow overflow) {
    }

    /** A mirror copy was queued. */
    default void mirrorQueued(Request request, Mirror mirror) {
    }

    /** A mirror copy was not sent; {@code reason} says why (queue full, body not replayable, no endpoint…). */
    default void mirrorDropped(Request request, Mirror mirror, String reason) {
    }

    /** A mirror copy finished: {@code status} of its response, or 0 when it failed. */
    default void mirrorCompleted(Request request, Mirror mirror, int status) {
    }
}
