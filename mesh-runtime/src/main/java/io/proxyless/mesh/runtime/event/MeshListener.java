package io.proxyless.mesh.runtime.event;

import io.proxyless.mesh.runtime.call.FaultDecision;
import io.proxyless.mesh.runtime.health.ConnectionPool;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.routing.Mirror;
import java.time.Duration;
import java.util.Set;

/**
 * Everything the mesh decides and sees for a call, on every transport (OkHttp, gRPC): the route decision, fault
 * injection, each attempt with its outcome and Envoy response flags, retries, circuit-breaker overflows, mirror
 * copies, TLS failures and the end of the call. Metrics, traces and access logs are built on it.
 *
 * <p>All methods do nothing by default. They are called on the thread that moves the call on (the application's,
 * a transport's or the clock's), must be fast and thread-safe, and must not throw. The {@link CallView} and
 * {@link AttemptView} passed in are live views of the call, not copies: read what you need during the callback.
 * With no listener registered ({@link #NONE}) the events cost nothing but a call to an empty method.
 *
 * <pre>{@code
 * MeshListener counter = new MeshListener() {
 *     public void callFinished(CallView call) {
 *         requests.labels(call.clusterKey(), Integer.toString(call.responseCode()),
 *                 ResponseFlag.format(call.responseFlags())).inc();
 *     }
 * };
 * Mesh mesh = Mesh.builder().configPaths(dir).listener(counter).build();
 * }</pre>
 */
public interface MeshListener {

    /** A listener that ignores everything. */
    MeshListener NONE = new MeshListener() {
    };

    /** The mesh decided what to do with the call ({@link CallView#decision()}). */
    default void routed(CallView call) {
    }

    /** Fault injection delays and/or aborts the call. */
    default void faultApplied(CallView call, FaultDecision fault) {
    }

    /** An attempt was sent to {@link AttemptView#endpoint()}. */
    default void attemptStarted(CallView call, AttemptView attempt) {
    }

    /**
     * An attempt ended: {@link AttemptView#outcome()} is what outlier detection was told (null when the attempt
     * was abandoned, e.g. the application cancelled).
     */
    default void attemptFinished(CallView call, AttemptView attempt) {
    }

    /** Retry {@code retry} (1-based) will be sent after {@code backoff}, because of {@code failed}'s outcome. */
    default void retrying(CallView call, AttemptView failed, int retry, Duration backoff) {
    }

    /**
     * A circuit breaker of {@code clusterKey} refused a request ({@code retry} false: the call fails with UO) or
     * a retry ({@code retry} true: the call ends with the response it has).
     */
    default void overflow(CallView call, String clusterKey, ConnectionPool.Overflow overflow, boolean retry) {
    }

    /** A mirror copy of the call is on its way to {@code endpoint}. */
    default void mirrorSent(CallView call, Mirror mirror, Endpoint endpoint) {
    }

    /** A mirror copy was not sent; {@code reason} says why (queue full, body not replayable, no endpoint…). */
    default void mirrorDropped(CallView call, Mirror mirror, String reason) {
    }

    /** A mirror copy finished: {@code status} of its response (HTTP, or gRPC code for gRPC), -1 when it failed. */
    default void mirrorCompleted(CallView call, Mirror mirror, int status) {
    }

    /** TLS towards {@code clusterKey} could not be set up or the handshake failed. */
    default void tlsFailure(CallView call, String clusterKey, Throwable failure) {
    }

    /** The call is over: {@link CallView#end()}, codes, flags, attempts and duration are final. */
    default void callFinished(CallView call) {
    }

    /**
     * The request header names this listener reads from {@link CallView#request()}'s headers, lower case as it asks
     * for them (an access log's {@code user-agent}, a tracer's {@code traceparent}); the same set for as long as the
     * listener is registered. Adapters whose headers are read through a key per name (gRPC metadata) make the keys
     * of these names once per config snapshot, with the names the routes read; a name left out still reads right,
     * through a key made on every read.
     */
    default Set<String> requestHeaderNames() {
        return Set.of();
    }

    /** One listener that calls {@code first} then {@code second}; NONE is left out. */
    static MeshListener both(MeshListener first, MeshListener second) {
        if (first == NONE) {
            return second;
        }
        if (second == NONE) {
            return first;
        }
        return new Both(first, second);
    }
}
