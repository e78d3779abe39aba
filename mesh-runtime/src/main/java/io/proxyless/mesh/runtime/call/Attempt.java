package io.proxyless.mesh.runtime.call;

import io.proxyless.mesh.runtime.event.AttemptView;
import io.proxyless.mesh.runtime.event.ResponseFlag;
import io.proxyless.mesh.runtime.health.AttemptOutcome;
import io.proxyless.mesh.runtime.health.ConnectionPool;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.routing.Cluster;
import io.proxyless.mesh.runtime.routing.CompiledMesh;
import io.proxyless.mesh.runtime.time.MeshClock;
import java.time.Duration;

/**
 * One try of a {@link RoutedCall} against one endpoint. The engine creates it with its circuit-breaker permits
 * and hands it to {@link Exchange#send}; the adapter reports what happened through {@link #responded},
 * {@link #finished}, {@link #failed} or {@link #failedLocally}, in the call's serial executor. Reports after the
 * engine gave up on the attempt are ignored, so an adapter may report whatever its transport tells it.
 */
public final class Attempt implements AttemptView {
    private final RoutedCall call;
    private final int number;
    private final Cluster cluster;
    private final CompiledMesh snapshot;
    private final Endpoint endpoint;
    private final ConnectionPool.Permit permit;
    private final ConnectionPool.Permit retryPermit;
    private final long startNanos;
    MeshClock.Timer perTryTimer;
    private boolean settled;
    private AttemptOutcome outcome;
    private int flags;
    private Object attachment;

    Attempt(RoutedCall call, int number, Cluster cluster, CompiledMesh snapshot, Endpoint endpoint,
            ConnectionPool.Permit permit, ConnectionPool.Permit retryPermit, long startNanos) {
        this.call = call;
        this.number = number;
        this.cluster = cluster;
        this.snapshot = snapshot;
        this.endpoint = endpoint;
        this.permit = permit;
        this.retryPermit = retryPermit;
        this.startNanos = startNanos;
    }

    public RoutedCall call() {
        return call;
    }

    @Override
    public int number() {
        return number;
    }

    @Override
    public Endpoint endpoint() {
        return endpoint;
    }

    /** The cluster the endpoint was picked from (for a retry: as it is in the snapshot now in force). */
    public Cluster cluster() {
        return cluster;
    }

    /** The snapshot {@link #cluster()} belongs to (TLS and connection settings of the cluster). */
    public CompiledMesh snapshot() {
        return snapshot;
    }

    @Override
    public String clusterKey() {
        return cluster.key();
    }

    @Override
    public AttemptOutcome outcome() {
        return outcome;
    }

    @Override
    public int responseFlags() {
        return flags;
    }

    @Override
    public long startNanos() {
        return startNanos;
    }

    /** The route's per-try timeout, or null. The engine enforces it; an adapter may also hand it to its transport. */
    public Duration perTryTimeout() {
        return call.perTryTimeout();
    }

    /**
     * True when no retry can follow this attempt whatever happens (retries off or used up, or disabled), so an
     * adapter may stop keeping the request for a replay.
     */
    public boolean isLast() {
        return call.noRetryAfter(this);
    }

    /**
     * True when something registered on the mesh ({@code Mesh.addHeaderContributor}) adds headers to this
     * attempt's request, so an adapter may skip copying its request when nothing does.
     */
    public boolean addsRequestHeaders() {
        return call.contributesHeaders();
    }

    /**
     * Writes the headers the mesh adds to this attempt's request (trace context, {@code x-request-id}, …) into
     * {@code headers}; nothing when no contributor is registered. An adapter calls it once per attempt, after the
     * route's header operations, on the request it sends.
     */
    public void requestHeaders(HeaderSink headers) {
        call.attemptHeaders(this, headers);
    }

    /** True once the engine is done with this attempt (reported, retried, timed out or cancelled). */
    public boolean isSettled() {
        return settled;
    }

    /** Keeps a transport object with the attempt (its call, response, failure…). */
    public void attach(Object transportState) {
        this.attachment = transportState;
    }

    /** What {@link #attach} kept, or null. */
    public Object attachment() {
        return attachment;
    }

    /**
     * Response headers arrived with {@code outcome} (an HTTP status, or a gRPC status in trailers-only headers).
     * The engine either retries (then {@link Exchange#cancel} discards this response) or commits the call to this
     * attempt ({@link Exchange#commit}).
     */
    public void responded(AttemptOutcome outcome) {
        call.responded(this, outcome);
    }

    /** The attempt's stream is over with {@code outcome} (for a committed attempt: the end of its response). */
    public void finished(AttemptOutcome outcome) {
        call.finished(this, outcome, false, true);
    }

    /**
     * The attempt failed without a (usable) response.
     *
     * @param refusedStream the server refused the stream (HTTP/2 REFUSED_STREAM)
     * @param requestSent   some of the request reached the connection
     */
    public void failed(AttemptOutcome outcome, boolean refusedStream, boolean requestSent) {
        call.finished(this, outcome, refusedStream, requestSent);
    }

    /**
     * The attempt could not be sent for a reason that says nothing about the endpoint and that a retry would meet
     * again (e.g. TLS towards the cluster cannot be set up): the call ends with {@code LOCAL_FAILURE}.
     */
    public void failedLocally() {
        call.failedLocally(this);
    }

    /** Reports the attempt to the cluster and releases its permits, once; false when already done. */
    boolean settle(AttemptOutcome result) {
        if (settled) {
            return false;
        }
        settled = true;
        outcome = result;
        cancelTimer();
        if (result != null) {
            cluster.attemptFinished(endpoint, result);
            flags |= ResponseFlag.forOutcome(result);
        } else {
            cluster.attemptAbandoned(endpoint);
        }
        permit.close();
        if (retryPermit != null) {
            retryPermit.close();
        }
        return true;
    }

    void cancelTimer() {
        if (perTryTimer != null) {
            perTryTimer.cancel();
            perTryTimer = null;
        }
    }

    @Override
    public String toString() {
        return "attempt " + number + " to " + endpoint + " of " + cluster.key();
    }
}
