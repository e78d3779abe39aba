package io.proxyless.mesh.grpc;

import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.call.Backoff;
import io.proxyless.mesh.runtime.call.RetryRules;
import io.proxyless.mesh.runtime.call.Rewrites;
import io.proxyless.mesh.runtime.health.AttemptOutcome;
import io.proxyless.mesh.runtime.health.ConnectionPool;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.routing.Cluster;
import io.proxyless.mesh.runtime.routing.CompiledMesh;
import io.proxyless.mesh.runtime.routing.RetryPolicy;
import io.proxyless.mesh.runtime.tls.TlsConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One application call through the mesh: routed once when it starts (route, weighted destination, cluster), then
 * carried out as a sequence of attempts on endpoint channels, as Envoy's router would carry out the same request.
 *
 * <ol>
 *   <li><b>route</b> — {@code uri} is the full method {@code /pkg.Service/Method}, {@code headers} the metadata,
 *       {@code authority} the call's authority; a rejection closes the call with the status a sidecar would cause
 *       (HTTP mapped to gRPC as Envoy maps it);</li>
 *   <li><b>fault</b> — delay, then abort, before anything is sent (Envoy's fault filter runs before its router);</li>
 *   <li><b>deadline</b> — the route {@code timeout}, counted from here, becomes the call's deadline when it is
 *       sooner than the caller's;</li>
 *   <li><b>mirrors</b> — each selected mirror gets a copy of every request message (see {@link MirrorCall});</li>
 *   <li><b>attempts</b> — each attempt holds a circuit-breaker permit ({@code connectionPool}) and is reported to
 *       the cluster when it ends (least-request counts, outlier detection). Until response headers arrive the
 *       call is not committed: request messages are kept (up to {@code retryBufferBytes}) and a retriable failure
 *       starts a new attempt, after backoff, on an endpoint not tried before. Response headers commit the call
 *       to its attempt, as they commit Envoy's router (a streaming call is thus retried only before its first
 *       response); {@code perTryTimeout} applies until then.</li>
 * </ol>
 *
 * <p>Threading: the application's calls, attempt callbacks and timers all change state inside one
 * {@link SynchronizationContext}, so no state needs a lock; listener callbacks are handed, in order, to the
 * call's executor. Attempts use a direct executor (their callbacks run on the transport thread and only move
 * state), so an attempt's completion is always observed and accounted for, even after the application's call
 * has ended.
 */
final class MeshCall<ReqT, RespT> extends ClientCall<ReqT, RespT> {
    private static final Logger log = LoggerFactory.getLogger(MeshCall.class);
    private static final Executor DIRECT = Runnable::run;

    private final MeshChannel channel;
    private final MethodDescriptor<ReqT, RespT> method;
    private final CallOptions callOptions;
    private final String authority;
    private final SerializingExecutor callbacks;
    private final Context context;
    private final SynchronizationContext sync = new SynchronizationContext(
            (thread, e) -> log.error("unexpected error in mesh call state machine", e));

    // All below: only inside sync.
    private Listener<RespT> listener;
    private Metadata headers;
    private RouteRequest request;
    private CompiledMesh snapshot;
    private RouteDecision decision;
    private MethodDescriptor<ReqT, RespT> upstreamMethod;
    private String upstreamAuthority;
    private Cluster cluster;
    private RetryPolicy retryPolicy;
    private Deadline deadline;
    private boolean routeTimeoutBinding;
    private final List<ReqT> buffer = new ArrayList<>();
    private long bufferedBytes;
    private boolean buffering = true;
    private boolean noMoreRetries;
    private boolean halfClosed;
    private int requested;
    private Boolean messageCompression;
    private boolean started;
    private boolean committed;
    private boolean closed;
    private Status closeStatus;
    private int attempts;
    private final Set<Endpoint> tried = new HashSet<>(4);
    private ScheduledFuture<?> pendingTimer;
    private ScheduledFuture<?> deadlineTimer;
    private ConnectionPool.Permit pendingRetryPermit;
    private Context.CancellationListener contextListener;
    private List<MirrorCall<ReqT>> mirrors = List.of();
    // Read by isReady() on the application's thread.
    private volatile Attempt current;

    MeshCall(MeshChannel channel, MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, String authority,
             Executor executor) {
        this.channel = channel;
        this.method = method;
        this.callOptions = callOptions;
        this.authority = authority;
        this.callbacks = new SerializingExecutor(executor);
        this.context = Context.current();
    }

    // ---- application side ----

    @Override
    public void start(Listener<RespT> responseListener, Metadata headers) {
        Objects.requireNonNull(responseListener, "responseListener");
        Objects.requireNonNull(headers, "headers");
        sync.execute(() -> doStart(responseListener, headers));
    }

    @Override
    public void request(int numMessages) {
        if (numMessages < 0) {
            throw new IllegalArgumentException("numMessages must be non-negative");
        }
        sync.execute(() -> {
            if (closed) {
                return;
            }
            requested = (int) Math.min(Integer.MAX_VALUE, (long) requested + numMessages);
            Attempt a = current;
            if (a != null) {
                a.call.request(numMessages);
            }
        });
    }

    @Override
    public void cancel(String message, Throwable cause) {
        sync.execute(() -> {
            if (closed) {
                return;
            }
            Status status = Status.CANCELLED.withDescription(message != null ? message
                    : "Call cancelled without message");
            if (cause != null) {
                status = status.withCause(cause);
            }
            Attempt a = current;
            if (a != null) {
                // Cancelled by the application: says nothing about the endpoint, so not fed to outlier detection.
                abandon(a, null, message != null ? message : "call cancelled");
            }
            closeWith(status, new Metadata());
        });
    }

    @Override
    public void halfClose() {
        sync.execute(() -> {
            if (closed || halfClosed) {
                return;
            }
            halfClosed = true;
            Attempt a = current;
            if (a != null) {
                a.call.halfClose();
            }
            for (MirrorCall<ReqT> m : mirrors) {
                m.halfClose();
            }
        });
    }

    @Override
    public void sendMessage(ReqT message) {
        sync.execute(() -> {
            if (closed) {
                return;
            }
            Attempt a = current;
            if (a == null || buffering) {
                buffer(message, a != null);
            }
            if (a != null) {
                a.call.sendMessage(message);
            }
            for (MirrorCall<ReqT> m : mirrors) {
                m.send(message);
            }
        });
    }

    @Override
    public boolean isReady() {
        Attempt a = current;
        return a != null && a.call != null && a.call.isReady();
    }

    @Override
    public void setMessageCompression(boolean enabled) {
        sync.execute(() -> {
            messageCompression = enabled;
            Attempt a = current;
            if (a != null) {
                a.call.setMessageCompression(enabled);
            }
        });
    }

    @Override
    public Attributes getAttributes() {
        Attempt a = current;
        return a != null && a.call != null ? a.call.getAttributes() : Attributes.EMPTY;
    }

    // ---- routing ----

    private void doStart(Listener<RespT> responseListener, Metadata requestHeaders) {
        if (started) {
            throw new IllegalStateException("call already started");
        }
        started = true;
        listener = responseListener;
        headers = requestHeaders;
        if (closed) {
            // cancelled before start: the listener still hears how the call ended
            Status status = closeStatus;
            deliver(() -> responseListener.onClose(status, new Metadata()));
            return;
        }
        if (!channel.callStarted(this)) {
            closeWith(Status.UNAVAILABLE.withDescription("Channel shutdown invoked"), new Metadata());
            return;
        }
        if (context.isCancelled()) {
            closeWith(Contexts.statusFromCancelled(context), new Metadata());
            return;
        }
        contextListener = ctx -> sync.execute(() -> {
            if (!closed) {
                Attempt a = current;
                if (a != null) {
                    abandon(a, null, "context cancelled");
                }
                closeWith(Contexts.statusFromCancelled(ctx), new Metadata());
            }
        });
        context.addListener(contextListener, DIRECT);

        String path = "/" + method.getFullMethodName();
        String scheme = channel.options().transportSecurity() ? "https" : "http";
        MeshTarget target = channel.target();
        request = new RouteRequest(scheme, "POST", target.host(), target.port(), authority, path, null,
                new MetadataHeaders(requestHeaders, path, authority, scheme), null);
        try {
            snapshot = channel.snapshot();
            decision = snapshot.route(request, channel.random());
        } catch (RuntimeException e) {
            closeWith(Status.INTERNAL.withDescription("mesh: routing " + path + " to " + authority + " failed: " + e)
                    .withCause(e), new Metadata());
            return;
        }
        if (!decision.isForward()) {
            closeWith(GrpcStatuses.forUnforwarded(decision, path), new Metadata());
            return;
        }
        cluster = decision.cluster();
        retryPolicy = decision.retries();
        upstreamMethod = rewritten(method);
        upstreamAuthority = HeaderOps.upstreamAuthority(decision, authority);
        deadline = earlier(callOptions.getDeadline(), context.getDeadline());
        armDeadline(); // the caller's deadline also bounds a fault delay
        Faults.Decision fault = Faults.decide(decision, channel.random());
        if (fault.delay() != null) {
            pendingTimer = schedule(() -> afterFaultDelay(fault), fault.delay());
            return;
        }
        afterFaultDelay(fault);
    }

    private void afterFaultDelay(Faults.Decision fault) {
        pendingTimer = null;
        if (closed) {
            return;
        }
        if (fault.abort() != null) {
            closeWith(fault.abort(), new Metadata());
            return;
        }
        // Envoy's route timeout starts in the router, after the fault filter's delay.
        Duration timeout = decision.timeout();
        if (timeout != null) {
            Deadline routeDeadline = Deadline.after(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (deadline == null || routeDeadline.isBefore(deadline)) {
                deadline = routeDeadline;
                routeTimeoutBinding = true;
                armDeadline();
            }
        }
        mirrors = MirrorCall.startAll(channel, upstreamMethod, snapshot, decision, request, headers,
                upstreamAuthority, deadline);
        // Messages the application sent during a fault delay are in the buffer; mirrors need them too.
        for (MirrorCall<ReqT> m : mirrors) {
            for (ReqT message : buffer) {
                m.send(message);
            }
            if (halfClosed) {
                m.halfClose();
            }
        }
        startAttempt(decision.endpoint(), null);
    }

    // ---- attempts ----

    private void startAttempt(Endpoint endpoint, ConnectionPool.Permit retryPermit) {
        ConnectionPool.Permit permit = cluster.pool().tryAcquireRequest();
        if (!permit.granted()) {
            if (retryPermit != null) {
                retryPermit.close();
            }
            // Envoy does not retry a circuit-breaker overflow: the request fails at once with 503 (UO).
            closeWith(GrpcStatuses.overflow(cluster, permit.overflow(), decision), new Metadata());
            return;
        }
        EndpointChannels.Lease lease;
        try {
            lease = channel.endpoints().acquire(channel.keyFor(endpoint, cluster, snapshot, upstreamAuthority));
        } catch (TlsConfigException | RuntimeException e) {
            permit.close();
            if (retryPermit != null) {
                retryPermit.close();
            }
            String why = e instanceof TlsConfigException ? "TLS towards " + cluster.key() + " cannot be set up: "
                    : "no channel to " + endpoint + ": ";
            closeWith(Status.UNAVAILABLE.withDescription("mesh: " + why + e.getMessage() + " (route "
                    + GrpcStatuses.routeName(decision) + ")").withCause(e), new Metadata());
            return;
        }
        attempts++;
        tried.add(endpoint);
        Attempt a = new Attempt(endpoint, permit, retryPermit, lease, attempts);
        cluster.attemptStarted(endpoint);

        Metadata attemptHeaders = new Metadata();
        attemptHeaders.merge(headers);
        HeaderOps.applyRequest(attemptHeaders, decision);
        CallOptions options = callOptions.withExecutor(DIRECT).withAuthority(upstreamAuthority)
                .withStreamTracerFactory(a.tracer);
        if (deadline != null) {
            options = options.withDeadline(deadline);
        }
        Context previous = context.attach();
        try {
            a.call = lease.channel().newCall(upstreamMethod, options);
            a.call.start(a, attemptHeaders);
        } finally {
            context.detach(previous);
        }
        current = a;
        if (messageCompression != null) {
            a.call.setMessageCompression(messageCompression);
        }
        if (requested > 0) {
            a.call.request(requested);
        }
        for (ReqT m : buffer) {
            a.call.sendMessage(m);
        }
        if (halfClosed) {
            a.call.halfClose();
        }
        if (retryPolicy == null || noMoreRetries || attempts > retryPolicy.attempts()) {
            stopBuffering(); // this is the last attempt: nothing will be replayed
        }
        Duration perTry = retryPolicy == null ? null : retryPolicy.perTryTimeout();
        if (perTry != null) {
            a.perTryTimer = schedule(() -> onPerTryTimeout(a), perTry);
        }
    }

    private void attemptHeaders(Attempt a, Metadata responseHeaders) {
        if (a != current || closed) {
            return;
        }
        // Response headers commit the call to this attempt, as they commit Envoy's router.
        committed = true;
        a.cancelPerTryTimer();
        stopBuffering();
        HeaderOps.applyResponse(responseHeaders, decision);
        deliver(() -> listener.onHeaders(responseHeaders));
    }

    private void attemptMessage(Attempt a, RespT message) {
        if (a != current || closed) {
            return;
        }
        deliver(() -> listener.onMessage(message));
    }

    private void attemptReady(Attempt a) {
        if (a != current || closed) {
            return;
        }
        deliver(() -> listener.onReady());
    }

    private void attemptClosed(Attempt a, Status status, Metadata trailers) {
        if (!a.finish(a.tracer.classify(status))) {
            return; // already accounted for when we abandoned it
        }
        if (a != current || closed) {
            return;
        }
        current = null;
        if (!committed && mayRetry(a.outcome, refusedStream(status), a.tracer.requestSent())) {
            scheduleRetry(status, trailers);
            return;
        }
        closeWith(explain(status, a), trailers);
    }

    private void onPerTryTimeout(Attempt a) {
        if (a != current || committed || closed) {
            return;
        }
        abandon(a, AttemptOutcome.timeout(), "per-try timeout");
        current = null;
        Status status = Status.DEADLINE_EXCEEDED.withDescription("mesh: per-try timeout "
                + format(retryPolicy.perTryTimeout()) + " exceeded on " + a.endpoint + " (attempt " + a.number
                + " of " + (retryPolicy.attempts() + 1) + ", route " + GrpcStatuses.routeName(decision) + ")");
        if (mayRetry(AttemptOutcome.timeout(), false, true)) {
            scheduleRetry(status, new Metadata());
            return;
        }
        closeWith(status, new Metadata());
    }

    /** Envoy's retry decision (mesh-runtime's {@link RetryRules}), unless the call can no longer be retried. */
    private boolean mayRetry(AttemptOutcome outcome, boolean refusedStream, boolean requestSent) {
        if (noMoreRetries || context.isCancelled() || (deadline != null && deadline.isExpired())) {
            return false; // buffer gone, caller gone, or the route timeout / caller's deadline passed
        }
        return RetryRules.shouldRetry(retryPolicy, outcome, refusedStream, requestSent, attempts - 1);
    }

    /** gRPC reports an HTTP/2 REFUSED_STREAM reset only in the description. */
    private static boolean refusedStream(Status status) {
        String d = status.getDescription();
        return d != null && d.contains("REFUSED_STREAM");
    }

    /**
     * The method as sent upstream: a route's {@code rewrite.uri} / {@code uriRegexRewrite} (mesh-runtime's
     * {@link Rewrites}, Envoy's prefix and regex rewrite) changes the {@code :path}, i.e. the full method name.
     */
    private MethodDescriptor<ReqT, RespT> rewritten(MethodDescriptor<ReqT, RespT> original) {
        String path = Rewrites.path(decision, request);
        if (path == null) {
            return original;
        }
        int query = path.indexOf('?');
        String p = query >= 0 ? path.substring(0, query) : path;
        String fullName = p.startsWith("/") ? p.substring(1) : p;
        if (fullName.equals(original.getFullMethodName())) {
            return original;
        }
        return original.toBuilder().setFullMethodName(fullName).build();
    }

    private void scheduleRetry(Status lastStatus, Metadata lastTrailers) {
        ConnectionPool.Permit retryPermit = cluster.pool().tryAcquireRetry();
        if (!retryPermit.granted()) {
            // maxRetries reached: Envoy gives the client the response it has.
            closeWith(lastStatus.augmentDescription("mesh: not retried, connectionPool maxRetries limit "
                    + cluster.pool().limits().maxRetries() + " reached for " + cluster.key()), lastTrailers);
            return;
        }
        Duration backoff = Backoff.of(retryPolicy).delay(attempts, channel.random());
        pendingRetryPermit = retryPermit; // released by closeWith if the call ends during the backoff
        pendingTimer = schedule(() -> {
            pendingTimer = null;
            pendingRetryPermit = null;
            if (closed) {
                retryPermit.close();
                return;
            }
            Endpoint next = pickRetryEndpoint();
            if (next == null) {
                retryPermit.close();
                closeWith(Status.UNAVAILABLE.withDescription("mesh: no healthy upstream in cluster " + cluster.key()
                        + " for retry " + attempts + " (route " + GrpcStatuses.routeName(decision)
                        + "); last attempt: " + lastStatus), lastTrailers);
                return;
            }
            startAttempt(next, retryPermit);
        }, backoff);
    }

    private Endpoint pickRetryEndpoint() {
        if (cluster.passthrough()) {
            return decision.endpoint();
        }
        Endpoint e = cluster.pick(request, retryPolicy.avoidPreviousHosts() ? tried : Set.of(), channel.random());
        if (e == null && retryPolicy.avoidPreviousHosts()) {
            // Envoy's previous_hosts predicate gives up after a few selections and takes what it gets.
            e = cluster.pick(request, Set.of(), channel.random());
        }
        return e;
    }

    /** (Re)schedules the timer that ends the call at {@link #deadline}, also between attempts. */
    private void armDeadline() {
        cancelTimer(deadlineTimer);
        deadlineTimer = null;
        if (deadline != null) {
            long nanos = deadline.timeRemaining(TimeUnit.NANOSECONDS);
            deadlineTimer = schedule(this::onDeadline, Duration.ofNanos(Math.max(0, nanos)));
        }
    }

    private void onDeadline() {
        deadlineTimer = null;
        if (closed) {
            return;
        }
        Attempt a = current;
        if (a != null) {
            abandon(a, AttemptOutcome.timeout(), "deadline exceeded");
        }
        Status status = Status.DEADLINE_EXCEEDED.withDescription(routeTimeoutBinding
                ? "mesh: route timeout " + format(decision.timeout()) + " of " + GrpcStatuses.routeName(decision)
                + " exceeded after " + attempts + " attempt(s)"
                : "deadline exceeded after " + attempts + " attempt(s) (mesh: between attempts)");
        closeWith(status, new Metadata());
    }

    /** Ends an attempt the mesh gives up on; the outcome (null: none) is reported now, its close is ignored. */
    private void abandon(Attempt a, AttemptOutcome outcome, String why) {
        a.finish(outcome);
        if (a.call != null) {
            a.call.cancel("mesh: " + why, null);
        }
        if (current == a) {
            current = null;
        }
    }

    private Status explain(Status status, Attempt a) {
        if (status.getCode() == Status.Code.DEADLINE_EXCEEDED && routeTimeoutBinding && !a.tracer.serverStatus()) {
            return status.augmentDescription("mesh: route timeout " + format(decision.timeout()) + " of "
                    + GrpcStatuses.routeName(decision));
        }
        return status;
    }

    // ---- buffering, closing, delivery ----

    private void buffer(ReqT message, boolean attemptRunning) {
        buffer.add(message);
        bufferedBytes += sizeOf(message);
        if (bufferedBytes > channel.options().retryBufferBytes()) {
            // Too much to replay: no more retries. With an attempt running the buffer can go now; otherwise the
            // attempt about to start (after backoff or a fault delay) still needs it.
            noMoreRetries = true;
            if (attemptRunning) {
                stopBuffering();
            }
        }
    }

    private void stopBuffering() {
        buffering = false;
        buffer.clear();
        bufferedBytes = 0;
    }

    private long sizeOf(ReqT message) {
        try (InputStream in = method.streamRequest(message)) {
            return Math.max(0, in.available());
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private void closeWith(Status status, Metadata trailers) {
        if (closed) {
            return;
        }
        closed = true;
        closeStatus = status;
        current = null;
        cancelTimer(pendingTimer);
        cancelTimer(deadlineTimer);
        pendingTimer = null;
        deadlineTimer = null;
        if (pendingRetryPermit != null) {
            pendingRetryPermit.close();
            pendingRetryPermit = null;
        }
        stopBuffering();
        if (contextListener != null) {
            context.removeListener(contextListener);
        }
        for (MirrorCall<ReqT> m : mirrors) {
            m.primaryClosed();
        }
        channel.callClosed(this);
        Listener<RespT> l = listener;
        if (l != null) {
            deliver(() -> l.onClose(status, trailers));
        }
    }

    private void deliver(Runnable callback) {
        try {
            callbacks.execute(() -> {
                Context previous = context.attach();
                try {
                    callback.run();
                } catch (Throwable t) {
                    // As ClientCallImpl does: a listener that throws cancels its call.
                    cancel("mesh: call listener failed", t);
                } finally {
                    context.detach(previous);
                }
            });
        } catch (RejectedExecutionException e) {
            log.warn("call executor rejected a callback for {}", method.getFullMethodName(), e);
        }
    }

    private ScheduledFuture<?> schedule(Runnable task, Duration delay) {
        try {
            return channel.timer().schedule(() -> sync.execute(task), Math.max(0, delay.toNanos()),
                    TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            sync.executeLater(task); // timer gone (last channel shut down): run now rather than never
            return null;
        }
    }

    private static void cancelTimer(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }

    private static Deadline earlier(Deadline a, Deadline b) {
        if (a == null) {
            return b;
        }
        return b == null ? a : a.minimum(b);
    }

    static String format(Duration d) {
        if (d == null) {
            return "none";
        }
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + "s" : ms + "ms";
    }

    /** One try of the call against one endpoint; also its stream tracer, to tell server answers from failures. */
    private final class Attempt extends ClientCall.Listener<RespT> {
        final Endpoint endpoint;
        final ConnectionPool.Permit permit;
        final ConnectionPool.Permit retryPermit;
        final EndpointChannels.Lease lease;
        final int number;
        ClientCall<ReqT, RespT> call;
        ScheduledFuture<?> perTryTimer;
        boolean finished;
        AttemptOutcome outcome;
        final AttemptTracer tracer = new AttemptTracer();

        Attempt(Endpoint endpoint, ConnectionPool.Permit permit, ConnectionPool.Permit retryPermit,
                EndpointChannels.Lease lease, int number) {
            this.endpoint = endpoint;
            this.permit = permit;
            this.retryPermit = retryPermit;
            this.lease = lease;
            this.number = number;
        }

        /** Reports and releases everything once; false when already done. */
        boolean finish(AttemptOutcome result) {
            if (finished) {
                return false;
            }
            finished = true;
            outcome = result;
            cancelPerTryTimer();
            if (result != null) {
                cluster.attemptFinished(endpoint, result);
            } else {
                cluster.attemptAbandoned(endpoint); // least-request count only
            }
            permit.close();
            if (retryPermit != null) {
                retryPermit.close();
            }
            lease.release();
            return true;
        }

        void cancelPerTryTimer() {
            cancelTimer(perTryTimer);
            perTryTimer = null;
        }

        @Override
        public void onHeaders(Metadata h) {
            sync.execute(() -> attemptHeaders(this, h));
        }

        @Override
        public void onMessage(RespT message) {
            sync.execute(() -> attemptMessage(this, message));
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
            sync.execute(() -> attemptClosed(this, status, trailers));
        }

        @Override
        public void onReady() {
            sync.execute(() -> attemptReady(this));
        }
    }
}
