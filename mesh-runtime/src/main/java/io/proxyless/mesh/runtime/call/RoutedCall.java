package io.proxyless.mesh.runtime.call;

import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.event.AttemptView;
import io.proxyless.mesh.runtime.event.CallEnd;
import io.proxyless.mesh.runtime.event.CallView;
import io.proxyless.mesh.runtime.event.MeshListener;
import io.proxyless.mesh.runtime.event.ResponseFlag;
import io.proxyless.mesh.runtime.health.AttemptOutcome;
import io.proxyless.mesh.runtime.health.ConnectionPool;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.routing.Cluster;
import io.proxyless.mesh.runtime.routing.CompiledMesh;
import io.proxyless.mesh.runtime.routing.Mirror;
import io.proxyless.mesh.runtime.routing.RequestHash;
import io.proxyless.mesh.runtime.routing.RetryPolicy;
import io.proxyless.mesh.runtime.time.MeshClock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * One call carried out by the {@link CallEngine}, as Envoy's router carries out one request:
 *
 * <ol>
 *   <li><b>route</b> with the snapshot in force; a route that is not forwarded ends the call
 *       ({@link CallEnd#LOCAL_REPLY});</li>
 *   <li><b>fault</b>: delay on the mesh clock, then abort ({@link CallEnd#FAULT_ABORT});</li>
 *   <li><b>deadline</b>: the route timeout starts after the fault delay (as Envoy's router runs after its fault
 *       filter); a caller's own deadline bounds the call from the start;</li>
 *   <li><b>mirrors</b>: each selected mirror gets a {@link MirrorCopy};</li>
 *   <li><b>attempts</b>: each holds a request permit of its cluster's connection pool and is reported to the
 *       cluster (least-request counts, outlier detection). A retriable outcome, while retries and the retry
 *       permit allow it, is retried after Envoy's jittered backoff on an endpoint picked from the cluster <em>as it
 *       is now</em>: looked up by its key in the snapshot currently in force, other endpoints first (Envoy's
 *       previous_hosts predicate; not under consistent hashing). Response headers commit the call to their
 *       attempt; the per-try timeout applies until then.</li>
 * </ol>
 *
 * <p>Every method runs in the call's serial executor (see {@link CallEngine#newCall}); nothing here blocks.
 */
public final class RoutedCall implements CallView {
    private final CallEngine engine;
    private final RouteRequest request;
    private final Exchange exchange;
    private final Executor serial;
    private final MeshClock clock;
    private MeshListener listener;
    private RequestHeaderContributor.PerCall contribution;

    private long startNanos;
    private long startMillis;
    private long endNanos = -1;
    private RouteDecision decision;
    private Cluster cluster;
    private RetryPolicy policy;
    private FaultDecision fault = FaultDecision.NONE;
    private boolean hasDeadline;
    private boolean routeDeadline;
    private long deadlineNanos;
    private MeshClock.Timer deadlineTimer;
    private MeshClock.Timer pendingTimer;
    private ConnectionPool.Permit pendingRetryPermit;
    private Attempt current;
    private Attempt last;
    private int attempts;
    private Set<Endpoint> tried;
    private boolean retriesDisabled;
    private boolean committed;
    private CallEnd end = CallEnd.NONE;
    private int flags;
    private ConnectionPool.Overflow overflow;
    private int responseCode;
    private int grpcStatus = -1;
    private long requestBytes = -1;
    private long responseBytes = -1;
    private long requestMessages = -1;
    private long responseMessages = -1;

    RoutedCall(CallEngine engine, RouteRequest request, Exchange exchange, Executor serial) {
        this.engine = engine;
        this.request = request;
        this.exchange = exchange;
        this.serial = serial;
        this.clock = engine.mesh().clock();
        this.listener = engine.listener();
    }

    // ---- what the adapter tells the call ----

    /**
     * The caller's own deadline, {@code remainingNanos} from now: it bounds the call with the route timeout
     * (whichever is sooner). Call before {@link #start()}.
     */
    public void callerDeadline(long remainingNanos) {
        hasDeadline = true;
        routeDeadline = false;
        deadlineNanos = clock.nanoTime() + remainingNanos;
    }

    /** No retry after the attempt now running (the request cannot be replayed). */
    public void disableRetries() {
        retriesDisabled = true;
    }

    /** Routes the call and carries the decision out. */
    public void start() {
        startNanos = clock.nanoTime();
        startMillis = clock.currentTimeMillis();
        contribution = engine.mesh().headerContributors().forCall(this);
        if (contribution != null) {
            listener = MeshListener.both(listener, RequestHeaderContributors.events(contribution));
        }
        decision = engine.mesh().snapshot().route(request, engine.random());
        listener.routed(this);
        if (!decision.isForward()) {
            localReply();
            return;
        }
        cluster = decision.cluster();
        policy = decision.retries();
        armDeadline();
        fault = FaultDecision.decide(decision.fault(), engine.random());
        if (fault != FaultDecision.NONE) {
            if (fault.delays()) {
                flags |= ResponseFlag.DI.bit();
            }
            if (fault.aborts()) {
                flags |= ResponseFlag.FI.bit();
            }
            listener.faultApplied(this, fault);
        }
        if (fault.delays()) {
            pendingTimer = schedule(this::afterFaultDelay, fault.delay().toNanos());
            return;
        }
        afterFaultDelay();
    }

    /** The application cancelled the call: the attempt running is abandoned (nothing said about its endpoint). */
    public void cancel() {
        if (end != CallEnd.NONE) {
            return;
        }
        Attempt a = current;
        if (a != null) {
            current = null;
            a.settle(null);
            listener.attemptFinished(this, a);
            exchange.cancel(a);
        }
        flags |= ResponseFlag.DC.bit();
        finish(CallEnd.CANCELLED);
    }

    /** The status the caller gets, when the adapter knows better than the engine (e.g. a gRPC status). */
    public void responseCode(int httpStatus) {
        this.responseCode = httpStatus;
    }

    /** The gRPC status code the caller gets. */
    public void grpcStatus(int code) {
        this.grpcStatus = code;
    }

    public void requestBytes(long bytes) {
        this.requestBytes = bytes;
    }

    public void responseBytes(long bytes) {
        this.responseBytes = bytes;
    }

    /** Messages sent and received on the stream that answered (gRPC), for Istio's message counts. */
    public void messages(long sent, long received) {
        this.requestMessages = sent;
        this.responseMessages = received;
    }

    /** TLS towards {@code clusterKey} failed: reported to the listener. */
    public void tlsFailure(String clusterKey, Throwable failure) {
        listener.tlsFailure(this, clusterKey, failure);
    }

    // ---- what the adapter reads ----

    /** The fault drawn for this call. */
    public FaultDecision fault() {
        return fault;
    }

    /** True when the route timeout (not the caller's deadline) is what bounds the call. */
    public boolean routeTimeoutBinds() {
        return hasDeadline && routeDeadline;
    }

    /** Time left before the deadline on the mesh clock, or {@link Long#MAX_VALUE} when there is none. */
    public long remainingNanos() {
        return hasDeadline ? deadlineNanos - clock.nanoTime() : Long.MAX_VALUE;
    }

    /** Which limit refused the call when it ended with {@link CallEnd#OVERFLOW}, else null. */
    public ConnectionPool.Overflow overflow() {
        return overflow;
    }

    /** True once response headers committed the call to an attempt. */
    public boolean isCommitted() {
        return committed;
    }

    /** The engine this call belongs to. */
    public CallEngine engine() {
        return engine;
    }

    MeshListener listener() {
        return listener;
    }

    Duration perTryTimeout() {
        return policy == null ? null : policy.perTryTimeout();
    }

    boolean contributesHeaders() {
        return contribution != null;
    }

    void attemptHeaders(Attempt a, HeaderSink headers) {
        if (contribution != null) {
            contribution.attemptHeaders(a, headers);
        }
    }

    boolean noRetryAfter(Attempt a) {
        return policy == null || retriesDisabled || a.number() > policy.attempts();
    }

    // ---- CallView ----

    @Override
    public RouteRequest request() {
        return request;
    }

    @Override
    public String protocol() {
        return engine.protocol();
    }

    @Override
    public RouteDecision decision() {
        return decision;
    }

    @Override
    public AttemptView lastAttempt() {
        return last;
    }

    /** The latest attempt, for the adapter. */
    public Attempt latestAttempt() {
        return last;
    }

    @Override
    public int attempts() {
        return attempts;
    }

    @Override
    public int responseFlags() {
        return flags;
    }

    @Override
    public CallEnd end() {
        return end;
    }

    @Override
    public int responseCode() {
        return responseCode;
    }

    @Override
    public int grpcStatus() {
        return grpcStatus;
    }

    @Override
    public long startMillis() {
        return startMillis;
    }

    @Override
    public long startNanos() {
        return startNanos;
    }

    @Override
    public long durationNanos() {
        return endNanos < 0 ? -1 : endNanos - startNanos;
    }

    @Override
    public long requestBytes() {
        return requestBytes;
    }

    @Override
    public long responseBytes() {
        return responseBytes;
    }

    @Override
    public long requestMessages() {
        return requestMessages;
    }

    @Override
    public long responseMessages() {
        return responseMessages;
    }

    // ---- the engine ----

    private void localReply() {
        switch (decision.action()) {
            case REJECT -> {
                responseCode = decision.status();
                if (decision.status() == 404) {
                    flags |= ResponseFlag.NR.bit();
                } else if (decision.cluster() != null) {
                    flags |= ResponseFlag.UH.bit();
                } else if (decision.status() == 503) {
                    flags |= ResponseFlag.NC.bit();
                }
            }
            case REDIRECT -> responseCode = Redirects.status(decision);
            case DIRECT_RESPONSE -> responseCode = DirectResponses.status(decision);
            default -> {
            }
        }
        finish(CallEnd.LOCAL_REPLY);
    }

    private void afterFaultDelay() {
        pendingTimer = null;
        if (end != CallEnd.NONE) {
            return;
        }
        if (fault.aborts()) {
            responseCode = fault.httpStatus() != null ? fault.httpStatus() : 200;
            if (fault.grpcStatus() != null) {
                grpcStatus = fault.grpcCode();
            }
            finish(CallEnd.FAULT_ABORT);
            return;
        }
        Duration timeout = decision.timeout();
        if (timeout != null) {
            long routeDeadlineNanos = clock.nanoTime() + timeout.toNanos();
            if (!hasDeadline || routeDeadlineNanos - deadlineNanos < 0) {
                hasDeadline = true;
                routeDeadline = true;
                deadlineNanos = routeDeadlineNanos;
                armDeadline();
            }
        }
        List<Mirror> mirrors = decision.mirrors();
        for (int i = 0, n = mirrors.size(); i < n; i++) { // by index: no iterator per call
            Mirror m = mirrors.get(i);
            if (Mirroring.selected(m, engine.random())) {
                mirror(m);
            }
        }
        startAttempt(cluster, engine.mesh().snapshot(), decision.endpoint(), null);
    }

    private void mirror(Mirror m) {
        Cluster mc = m.cluster();
        if (mc == null) {
            listener.mirrorDropped(this, m, "mirror host " + m.host() + " has no cluster (not in the registry?)");
            return;
        }
        Endpoint e = mc.passthrough() ? Endpoint.of(request.host(), request.port())
                : mc.pick(request, decision.requestHash(), Set.of(), engine.random());
        if (e == null) {
            listener.mirrorDropped(this, m, "no healthy upstream in mirror cluster " + mc.key());
            return;
        }
        String backingOff = engine.mirrorBackoff().refusal(e);
        if (backingOff != null) {
            listener.mirrorDropped(this, m, backingOff); // no copy, no connect attempt
            return;
        }
        exchange.mirror(new MirrorCopy(this, m, mc, e));
    }

    private void startAttempt(Cluster c, CompiledMesh snapshot, Endpoint endpoint, ConnectionPool.Permit retryPermit) {
        ConnectionPool.Permit permit = c.pool().tryAcquireRequest();
        if (!permit.granted()) {
            if (retryPermit != null) {
                retryPermit.close();
            }
            // Envoy does not retry a circuit-breaker overflow: the request fails at once with 503 (UO).
            flags |= ResponseFlag.UO.bit();
            responseCode = 503;
            overflow = permit.overflow();
            listener.overflow(this, c.key(), permit.overflow(), false);
            finish(CallEnd.OVERFLOW);
            return;
        }
        attempts++;
        cluster = c;
        Attempt a = new Attempt(this, attempts, c, snapshot, endpoint, permit, retryPermit, clock.nanoTime());
        if (tried != null) {
            tried.add(endpoint);
        }
        current = a;
        last = a;
        c.attemptStarted(endpoint);
        listener.attemptStarted(this, a);
        Duration perTry = perTryTimeout();
        if (perTry != null) {
            a.perTryTimer = schedule(() -> onPerTryTimeout(a), perTry.toNanos());
        }
        exchange.send(a);
    }

    void responded(Attempt a, AttemptOutcome outcome) {
        if (a != current || committed || end != CallEnd.NONE) {
            return;
        }
        if (mayRetry(outcome, false, true)) {
            current = null;
            a.settle(outcome);
            listener.attemptFinished(this, a);
            exchange.cancel(a);
            retryAfterBackoff(a);
            return;
        }
        // Response headers commit the call to this attempt, as they commit Envoy's router.
        committed = true;
        a.cancelTimer();
        responseCode = outcome.status();
        exchange.commit(a);
    }

    void finished(Attempt a, AttemptOutcome outcome, boolean refusedStream, boolean requestSent) {
        if (a != current || end != CallEnd.NONE || !a.settle(outcome)) {
            return;
        }
        current = null;
        listener.attemptFinished(this, a);
        if (!committed && mayRetry(outcome, refusedStream, requestSent)) {
            retryAfterBackoff(a);
            return;
        }
        if (!committed && outcome.isResponse()) {
            responseCode = outcome.status();
        }
        flags |= a.responseFlags();
        finish(committed ? CallEnd.COMPLETED : CallEnd.ATTEMPT_FAILED);
    }

    void failedLocally(Attempt a) {
        if (a != current || end != CallEnd.NONE || !a.settle(null)) {
            return;
        }
        current = null;
        listener.attemptFinished(this, a);
        flags |= ResponseFlag.LR.bit();
        responseCode = 503;
        finish(CallEnd.LOCAL_FAILURE);
    }

    private void onPerTryTimeout(Attempt a) {
        if (a != current || committed || end != CallEnd.NONE) {
            return;
        }
        AttemptOutcome timeout = AttemptOutcome.timeout();
        current = null;
        a.settle(timeout);
        listener.attemptFinished(this, a);
        exchange.cancel(a);
        // Envoy resets the try and applies its reset rules: reset, 5xx and gateway-error retry a per-try timeout.
        if (mayRetry(timeout, false, true)) {
            retryAfterBackoff(a);
            return;
        }
        flags |= ResponseFlag.UT.bit();
        responseCode = 504;
        finish(CallEnd.PER_TRY_TIMEOUT);
    }

    private void onDeadline() {
        deadlineTimer = null;
        if (end != CallEnd.NONE) {
            return;
        }
        Attempt a = current;
        if (a != null) {
            current = null;
            a.settle(AttemptOutcome.timeout());
            listener.attemptFinished(this, a);
            exchange.cancel(a);
        }
        flags |= ResponseFlag.UT.bit();
        responseCode = 504;
        finish(CallEnd.DEADLINE);
    }

    /**
     * True when {@code outcome} is retried: a condition of the policy, retries left, time left, and the
     * cluster's retry permit (taken here, kept for the retry). Sets URX when only the retry limit stops it.
     */
    private boolean mayRetry(AttemptOutcome outcome, boolean refusedStream, boolean requestSent) {
        if (policy == null || retriesDisabled
                || !RetryRules.isRetriable(policy, outcome, refusedStream, requestSent)) {
            return false;
        }
        if (attempts > policy.attempts()) {
            flags |= ResponseFlag.URX.bit();
            return false;
        }
        if (hasDeadline && deadlineNanos - clock.nanoTime() <= 0) {
            return false;
        }
        ConnectionPool.Permit p = cluster.pool().tryAcquireRetry();
        if (!p.granted()) {
            // maxRetries reached: Envoy gives the client the response it has.
            listener.overflow(this, cluster.key(), p.overflow(), true);
            return false;
        }
        pendingRetryPermit = p;
        return true;
    }

    private void retryAfterBackoff(Attempt failed) {
        int retry = attempts; // 1 for the first retry
        Duration wait = Backoff.of(policy).delay(retry, engine.random());
        listener.retrying(this, failed, retry, wait);
        if (wait.isZero()) {
            retryNow();
        } else {
            pendingTimer = schedule(this::retryNow, wait.toNanos());
        }
    }

    private void retryNow() {
        pendingTimer = null;
        ConnectionPool.Permit retryPermit = pendingRetryPermit;
        pendingRetryPermit = null;
        if (end != CallEnd.NONE) {
            if (retryPermit != null) {
                retryPermit.close();
            }
            return;
        }
        // Envoy picks a retry's host from the cluster as it is now: under endpoint churn the call's first
        // snapshot may still list endpoints that have gone. A cluster that is gone from the current snapshot
        // (its DestinationRule subset removed, say) falls back to the call's own, whose endpoints may still live.
        CompiledMesh now = engine.mesh().snapshot();
        Cluster c = now.clusters().get(cluster.key());
        if (c == null) {
            c = cluster;
        }
        if (tried == null) {
            tried = new HashSet<>(4);
            tried.add(last.endpoint());
        }
        Endpoint next = pickRetryEndpoint(c);
        if (next == null) {
            retryPermit.close();
            flags |= ResponseFlag.UH.bit();
            responseCode = 503;
            finish(CallEnd.NO_HEALTHY_UPSTREAM);
            return;
        }
        startAttempt(c, now, next, retryPermit);
    }

    private Endpoint pickRetryEndpoint(Cluster c) {
        if (c.passthrough()) {
            return decision.endpoint();
        }
        RequestHash hash = decision.requestHash();
        Endpoint e = c.pick(request, hash, policy.avoidPreviousHosts() ? tried : Set.of(), engine.random());
        if (e == null && policy.avoidPreviousHosts()) {
            // Envoy's previous_hosts predicate gives up after a few selections and takes what it gets.
            e = c.pick(request, hash, Set.of(), engine.random());
        }
        return e;
    }

    private void armDeadline() {
        if (deadlineTimer != null) {
            deadlineTimer.cancel();
            deadlineTimer = null;
        }
        if (hasDeadline) {
            deadlineTimer = schedule(this::onDeadline, Math.max(0, deadlineNanos - clock.nanoTime()));
        }
    }

    private void finish(CallEnd how) {
        if (end != CallEnd.NONE) {
            return;
        }
        end = how;
        endNanos = clock.nanoTime();
        if (deadlineTimer != null) {
            deadlineTimer.cancel();
            deadlineTimer = null;
        }
        if (pendingTimer != null) {
            pendingTimer.cancel();
            pendingTimer = null;
        }
        if (pendingRetryPermit != null) {
            pendingRetryPermit.close();
            pendingRetryPermit = null;
        }
        try {
            exchange.end(this);
        } finally {
            listener.callFinished(this);
        }
    }

    private MeshClock.Timer schedule(Runnable task, long nanos) {
        return clock.schedule(() -> serial.execute(task), Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    @Override
    public String toString() {
        return "call " + request.method() + " " + request.authority() + request.path() + " (" + end + ", "
                + attempts + " attempt(s), flags " + ResponseFlag.format(flags) + ")";
    }
}
