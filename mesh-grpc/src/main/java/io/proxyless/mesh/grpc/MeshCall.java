package io.proxyless.mesh.grpc;

import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.call.Attempt;
import io.proxyless.mesh.runtime.call.Exchange;
import io.proxyless.mesh.runtime.call.MirrorCopy;
import io.proxyless.mesh.runtime.call.Rewrites;
import io.proxyless.mesh.runtime.call.RoutedCall;
import io.proxyless.mesh.runtime.call.SerialExecutor;
import io.proxyless.mesh.runtime.event.CallEnd;
import io.proxyless.mesh.runtime.event.ResponseFlag;
import io.proxyless.mesh.runtime.health.AttemptOutcome;
import io.proxyless.mesh.runtime.tls.TlsConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One application call through the mesh: the gRPC {@link Exchange} of the runtime's call engine, which decides
 * the route, fault, deadline, attempts, retries, circuit breaking and mirrors. This class does what is gRPC's:
 *
 * <ul>
 *   <li>the route request — {@code uri} is the full method {@code /pkg.Service/Method}, {@code headers} the
 *       metadata, {@code authority} the call's authority; the caller's deadline bounds the call;</li>
 *   <li>each attempt is a call on an endpoint channel; until response headers arrive (Envoy's commit point) the
 *       request messages are kept, up to {@code retryBufferBytes}, and replayed on a retry, so streaming calls
 *       are retried only before their first response;</li>
 *   <li>the engine's ends become gRPC statuses that name the host, route and reason.</li>
 * </ul>
 *
 * <p>Threading: the application's calls, attempt callbacks and the engine's timers all change state inside one
 * {@link SerialExecutor} (the engine's serial executor; it runs a task on the submitting thread when it is free,
 * with no allocation of its own), so no state needs a lock; listener callbacks are handed, in order, to the
 * call's executor — or, for a direct executor, called right there, since the serial executor already orders
 * them. Attempts use a direct executor (their callbacks run on the transport thread and only move state), so an
 * attempt's completion is always observed and accounted for.
 */
final class MeshCall<ReqT, RespT> extends ClientCall<ReqT, RespT> implements Exchange {
    private static final Logger log = LoggerFactory.getLogger(MeshCall.class);
    // Guava's direct executor itself, not an executor that merely runs in place: grpc's call recognises this one
    // and calls the attempt's listener straight away, where any other executor gets a serializing executor of its
    // own around it (a queue node and a hand-off per callback, a stream's every message) that the call's serial
    // executor makes redundant.
    private static final Executor DIRECT = MoreExecutors.directExecutor();
    // What a listener callback is (CallbackQueue's kinds).
    private static final int HEADERS = 0;
    private static final int MESSAGE = 1;
    private static final int READY = 2;
    private static final int CLOSE = 3;

    private final MeshChannel channel;
    private final MethodDescriptor<ReqT, RespT> method;
    private final CallOptions callOptions;
    private final String authority;
    // Null for a direct executor: callbacks are called inside sync, which runs one task at a time.
    private final CallbackQueue callbacks;
    private final Context context;
    private final SerialExecutor sync = new SerialExecutor();

    // All below: only inside sync.
    private Listener<RespT> listener;
    private Metadata headers;
    private RouteRequest request;
    private RoutedCall call;
    private MethodDescriptor<ReqT, RespT> upstreamMethod;
    private String upstreamAuthority;
    // Sized for one message, a unary call's whole request (the default's first growth makes room for ten).
    private final List<ReqT> buffer = new ArrayList<>(1);
    private long bufferedBytes;
    private boolean buffering = true;
    private boolean halfClosed;
    private int requested;
    private Boolean messageCompression;
    private boolean started;
    private boolean closed;
    private Status closeStatus;
    private Status localStatus;
    private Context.CancellationListener contextListener;
    private List<MirrorCall<ReqT>> mirrors = List.of();
    // Read by isReady() on the application's thread.
    private volatile Upstream current;

    MeshCall(MeshChannel channel, MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, String authority,
             Executor executor) {
        this.channel = channel;
        this.method = method;
        this.callOptions = callOptions;
        this.authority = authority;
        this.callbacks = executor == MoreExecutors.directExecutor() ? null
                : new CallbackQueue(executor, this::callListener);
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
        // Per message on a stream with automatic flow control: no task object (the count is boxed from the cache).
        sync.execute(MeshCall::requestInSync, this, numMessages);
    }

    private void requestInSync(int numMessages) {
        if (closed) {
            return;
        }
        requested = (int) Math.min(Integer.MAX_VALUE, (long) requested + numMessages);
        Upstream u = current;
        if (u != null) {
            u.call.request(numMessages);
        }
    }

    @Override
    public void cancel(String message, Throwable cause) {
        sync.execute(() -> {
            Status status = Status.CANCELLED.withDescription(message != null ? message
                    : "Call cancelled without message");
            cancelWith(cause != null ? status.withCause(cause) : status);
        });
    }

    @Override
    public void halfClose() {
        sync.execute(MeshCall::halfCloseInSync, this, null); // no task object
    }

    private void halfCloseInSync(Object unused) {
        if (closed || halfClosed) {
            return;
        }
        halfClosed = true;
        Upstream u = current;
        if (u != null) {
            u.call.halfClose();
        }
        for (int i = 0, n = mirrors.size(); i < n; i++) { // by index: no iterator per call
            mirrors.get(i).halfClose();
        }
    }

    @Override
    public void sendMessage(ReqT message) {
        sync.execute(MeshCall::sendInSync, this, message); // per message: no task object
    }

    private void sendInSync(ReqT message) {
        if (closed) {
            return;
        }
        Upstream u = current;
        if (u == null || buffering) {
            buffer(message, u != null);
        }
        if (u != null) {
            u.call.sendMessage(message);
        }
        for (int i = 0, n = mirrors.size(); i < n; i++) { // by index: no iterator per message
            mirrors.get(i).send(message);
        }
    }

    @Override
    public boolean isReady() {
        Upstream u = current;
        return u != null && u.call.isReady();
    }

    @Override
    public void setMessageCompression(boolean enabled) {
        sync.execute(() -> {
            messageCompression = enabled;
            Upstream u = current;
            if (u != null) {
                u.call.setMessageCompression(enabled);
            }
        });
    }

    @Override
    public Attributes getAttributes() {
        Upstream u = current;
        return u != null ? u.call.getAttributes() : Attributes.EMPTY;
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
            deliver(CLOSE, closeStatus, new Metadata());
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
        if (context != Context.ROOT) { // the root context is never cancelled: no listener to make and remove
            contextListener = ctx -> sync.execute(() -> cancelWith(Contexts.statusFromCancelled(ctx)));
            context.addListener(contextListener, DIRECT);
        }

        String path = "/" + method.getFullMethodName();
        String scheme = channel.options().transportSecurity() ? "https" : "http";
        MeshTarget target = channel.target();
        channel.snapshot(); // retires endpoint channels of an older snapshot and makes the new one's metadata keys
        request = new RouteRequest(scheme, "POST", target.host(), target.port(), authority, path, null,
                new MetadataHeaders(requestHeaders, channel.metadataKeys(), path, authority, scheme), null);
        call = channel.engine().newCall(request, this, sync);
        Deadline deadline = earlier(callOptions.getDeadline(), context.getDeadline());
        if (deadline != null) {
            call.callerDeadline(deadline.timeRemaining(TimeUnit.NANOSECONDS));
        }
        try {
            call.start();
        } catch (RuntimeException e) {
            closeWith(Status.INTERNAL.withDescription("mesh: routing " + path + " to " + authority + " failed: " + e)
                    .withCause(e), new Metadata());
        }
    }

    /** The application or its context cancelled: the engine abandons the attempt and ends the call. */
    private void cancelWith(Status status) {
        if (closed) {
            return;
        }
        if (call != null && call.end() == CallEnd.NONE && call.decision() != null) {
            localStatus = status;
            call.cancel();
        } else {
            closeWith(status, new Metadata());
        }
    }

    /** The method and authority as sent upstream (rewrites and header operations of the route). */
    private void prepare() {
        if (upstreamMethod != null) {
            return;
        }
        RouteDecision decision = call.decision();
        upstreamMethod = rewritten(method, decision);
        upstreamAuthority = HeaderOps.upstreamAuthority(decision, authority);
    }

    /**
     * The method as sent upstream: a route's {@code rewrite.uri} / {@code uriRegexRewrite} (mesh-runtime's
     * {@link Rewrites}, Envoy's prefix and regex rewrite) changes the {@code :path}, i.e. the full method name.
     */
    private MethodDescriptor<ReqT, RespT> rewritten(MethodDescriptor<ReqT, RespT> original, RouteDecision decision) {
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

    // ---- Exchange: the engine's requests, inside sync ----

    @Override
    public void send(Attempt attempt) {
        prepare();
        EndpointChannels.Lease lease;
        try {
            lease = channel.endpoints().acquire(channel.keyFor(attempt.endpoint(), attempt.cluster(),
                    attempt.snapshot(), upstreamAuthority));
        } catch (TlsConfigException | RuntimeException e) {
            String why = e instanceof TlsConfigException ? "TLS towards " + attempt.clusterKey()
                    + " cannot be set up: " : "no channel to " + attempt.endpoint() + ": ";
            if (e instanceof TlsConfigException) {
                call.tlsFailure(attempt.clusterKey(), e);
            }
            localStatus = Status.UNAVAILABLE.withDescription("mesh: " + why + e.getMessage() + " (route "
                    + GrpcStatuses.routeName(call.decision()) + ")").withCause(e);
            attempt.failedLocally();
            return;
        }
        Upstream u = new Upstream(attempt, lease);
        attempt.attach(u);
        Metadata attemptHeaders = new Metadata();
        attemptHeaders.merge(headers);
        HeaderOps.applyRequest(attemptHeaders, call.decision());
        HeaderOps.applyAttempt(attemptHeaders, attempt);
        // The caller's deadline travels with the options; the route timeout and per-try timeout are the engine's,
        // timed on the mesh clock, which cancels the attempt.
        CallOptions options = callOptions.withExecutor(DIRECT).withAuthority(upstreamAuthority)
                .withStreamTracerFactory(u.tracer);
        Context previous = context.attach();
        try {
            u.call = lease.channel().newCall(upstreamMethod, options);
            u.call.start(u, attemptHeaders);
        } finally {
            context.detach(previous);
        }
        current = u;
        if (messageCompression != null) {
            u.call.setMessageCompression(messageCompression);
        }
        if (requested > 0) {
            u.call.request(requested);
        }
        for (int i = 0, n = buffer.size(); i < n; i++) {
            u.call.sendMessage(buffer.get(i));
        }
        if (halfClosed) {
            u.call.halfClose();
        }
        if (attempt.isLast()) {
            stopBuffering(); // nothing will be replayed
        }
    }

    @Override
    public void cancel(Attempt attempt) {
        Upstream u = upstream(attempt);
        if (u != null) {
            if (current == u) {
                current = null;
            }
            u.call.cancel("mesh: attempt " + attempt.number() + " abandoned (" + describeEnd() + ")", null);
            u.release();
        }
    }

    private String describeEnd() {
        return call.end() == CallEnd.NONE ? "retry or per-try timeout"
                : call.end().name().toLowerCase(java.util.Locale.ROOT);
    }

    @SuppressWarnings("unchecked")
    private Upstream upstream(Attempt attempt) {
        return (Upstream) attempt.attachment();
    }

    @Override
    public void commit(Attempt attempt) {
        Upstream u = upstream(attempt);
        stopBuffering();
        Metadata h = u.responseHeaders;
        HeaderOps.applyResponse(h, call.decision());
        deliver(HEADERS, h, null);
    }

    @Override
    public void mirror(MirrorCopy copy) {
        prepare();
        Deadline deadline = call.remainingNanos() == Long.MAX_VALUE ? null
                : Deadline.after(Math.max(0, call.remainingNanos()), TimeUnit.NANOSECONDS);
        MirrorCall<ReqT> m = MirrorCall.start(channel, upstreamMethod, copy, headers, call.decision(),
                upstreamAuthority, deadline);
        if (m == null) {
            return;
        }
        if (mirrors.isEmpty()) {
            mirrors = new ArrayList<>(2);
        }
        mirrors.add(m);
        // Messages the application sent during a fault delay are in the buffer; the mirror needs them too.
        for (ReqT message : buffer) {
            m.send(message);
        }
        if (halfClosed) {
            m.halfClose();
        }
    }

    @Override
    public void end(RoutedCall c) {
        Metadata trailers = null;
        Status status;
        RouteDecision d = c.decision();
        Attempt last = c.latestAttempt();
        switch (c.end()) {
            case LOCAL_REPLY -> status = GrpcStatuses.forUnforwarded(d, "/" + method.getFullMethodName());
            case FAULT_ABORT -> status = GrpcStatuses.faultAbort(c.fault(), d);
            case DEADLINE -> status = Status.DEADLINE_EXCEEDED.withDescription(c.routeTimeoutBinds()
                    ? "mesh: route timeout " + format(d.timeout()) + " of " + GrpcStatuses.routeName(d)
                    + " exceeded after " + c.attempts() + " attempt(s)"
                    : "deadline exceeded after " + c.attempts() + " attempt(s) (mesh)");
            case PER_TRY_TIMEOUT -> status = Status.DEADLINE_EXCEEDED.withDescription("mesh: per-try timeout "
                    + format(last.perTryTimeout()) + " exceeded on " + last.endpoint() + " (attempt "
                    + last.number() + ", route " + GrpcStatuses.routeName(d) + ")");
            case OVERFLOW -> status = GrpcStatuses.overflow(d.cluster(), c.overflow(), d);
            case NO_HEALTHY_UPSTREAM -> status = Status.UNAVAILABLE.withDescription("mesh: no healthy upstream in "
                    + "cluster " + last.clusterKey() + " for retry " + c.attempts() + " (route "
                    + GrpcStatuses.routeName(d) + ")");
            case LOCAL_FAILURE, CANCELLED -> status = localStatus != null ? localStatus : Status.CANCELLED;
            default -> {
                Upstream u = last == null ? null : upstream(last);
                if (u == null || u.status == null) {
                    status = Status.UNKNOWN.withDescription("mesh: call ended without a status");
                } else {
                    status = explain(u.status, u, c);
                    trailers = u.trailers;
                }
            }
        }
        c.grpcStatus(status.getCode().value());
        Upstream u = last == null ? null : upstream(last);
        if (u != null) {
            c.requestBytes(u.tracer.requestBytes());
            c.responseBytes(u.tracer.responseBytes());
            c.messages(u.tracer.requestMessages(), u.tracer.responseMessages());
        }
        closeWith(status, trailers != null ? trailers : new Metadata());
    }

    private Status explain(Status status, Upstream u, RoutedCall c) {
        if (status.getCode() == Status.Code.DEADLINE_EXCEEDED && c.routeTimeoutBinds() && !u.tracer.serverStatus()) {
            return status.augmentDescription("mesh: route timeout " + format(c.decision().timeout()) + " of "
                    + GrpcStatuses.routeName(c.decision()));
        }
        AttemptOutcome outcome = u.attempt.outcome();
        if (!u.tracer.serverStatus() && outcome != null && outcome.isConnectFailureOrReset()) {
            // What a sidecar answers after its tries (503, UNAVAILABLE), not grpc-java's bare "io exception".
            return status.augmentDescription("mesh: upstream connect error or disconnect/reset before headers in "
                    + "cluster " + u.attempt.clusterKey() + " (last endpoint " + u.attempt.endpoint() + ", "
                    + c.attempts() + " attempt(s), response flags " + ResponseFlag.format(c.responseFlags())
                    + ", route " + GrpcStatuses.routeName(c.decision()) + ")");
        }
        return status;
    }

    // ---- the attempt's callbacks, inside sync ----

    private void attemptHeaders(Upstream u, Metadata responseHeaders) {
        if (u.attempt.isSettled() || closed) {
            return;
        }
        u.responseHeaders = responseHeaders;
        // Response headers commit the call to this attempt (the engine decides), as they commit Envoy's router.
        u.attempt.responded(AttemptOutcome.httpStatus(200));
    }

    private void attemptMessage(Upstream u, RespT message) {
        if (u != current || closed || !call.isCommitted()) {
            return;
        }
        deliver(MESSAGE, message, null);
    }

    private void attemptReady(Upstream u) {
        if (u != current || closed) {
            return;
        }
        deliver(READY, null, null);
    }

    private void attemptClosed(Upstream u, Status status, Metadata trailers) {
        u.status = status;
        u.trailers = trailers;
        if (current == u) {
            current = null;
        }
        AttemptOutcome outcome = u.tracer.classify(status);
        if (call.isCommitted()) {
            u.attempt.finished(outcome);
        } else {
            u.attempt.failed(outcome, refusedStream(status), u.tracer.requestSent());
        }
        u.release();
    }

    /** gRPC reports an HTTP/2 REFUSED_STREAM reset only in the description. */
    private static boolean refusedStream(Status status) {
        String d = status.getDescription();
        return d != null && d.contains("REFUSED_STREAM");
    }

    // ---- buffering, closing, delivery ----

    private void buffer(ReqT message, boolean attemptRunning) {
        buffer.add(message);
        bufferedBytes += sizeOf(message);
        if (bufferedBytes > channel.options().retryBufferBytes()) {
            // Too much to replay: no more retries. With an attempt running the buffer can go now; otherwise the
            // attempt about to start (after backoff or a fault delay) still needs it.
            if (call != null) {
                call.disableRetries();
            }
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
        stopBuffering();
        if (contextListener != null) {
            context.removeListener(contextListener);
        }
        for (int i = 0, n = mirrors.size(); i < n; i++) {
            mirrors.get(i).primaryClosed();
        }
        channel.callClosed(this);
        if (listener != null) {
            deliver(CLOSE, status, trailers);
        }
    }

    /**
     * One listener callback, inside sync: called right here for a direct executor (sync already orders them; no
     * object per callback), else queued for the call's executor.
     */
    private void deliver(int kind, Object a, Object b) {
        if (callbacks == null) {
            callListener(kind, a, b);
            return;
        }
        try {
            callbacks.add(kind, a, b);
        } catch (RejectedExecutionException e) {
            log.warn("call executor rejected a callback for {}", method.getFullMethodName(), e);
        }
    }

    /**
     * Calls the listener in the call's context. On the attempt's own callback thread the context is attached
     * already — that call was made in it and runs its callbacks in it — so it is not attached again.
     */
    @SuppressWarnings("unchecked")
    private void callListener(int kind, Object a, Object b) {
        boolean attach = Context.current() != context;
        Context previous = attach ? context.attach() : null;
        try {
            switch (kind) {
                case HEADERS -> listener.onHeaders((Metadata) a);
                case MESSAGE -> listener.onMessage((RespT) a);
                case READY -> listener.onReady();
                default -> listener.onClose((Status) a, (Metadata) b);
            }
        } catch (Throwable t) {
            listenerFailed(t);
        } finally {
            if (attach) {
                context.detach(previous);
            }
        }
    }

    /** As ClientCallImpl does: a listener that throws cancels its call. */
    private void listenerFailed(Throwable t) {
        cancel("mesh: call listener failed", t);
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

    /** One attempt on an endpoint channel; also its stream tracer, to tell server answers from failures. */
    private final class Upstream extends ClientCall.Listener<RespT> {
        final Attempt attempt;
        final EndpointChannels.Lease lease;
        final AttemptTracer tracer = new AttemptTracer();
        ClientCall<ReqT, RespT> call;
        Metadata responseHeaders;
        Status status;
        Metadata trailers;
        private Metadata closingTrailers;
        private boolean released;

        Upstream(Attempt attempt, EndpointChannels.Lease lease) {
            this.attempt = attempt;
            this.lease = lease;
        }

        void release() {
            if (!released) {
                released = true;
                lease.release();
            }
        }

        @Override
        public void onHeaders(Metadata h) {
            sync.execute(Upstream::headers, this, h); // no task object
        }

        private void headers(Metadata h) {
            attemptHeaders(this, h);
        }

        @Override
        public void onMessage(RespT message) {
            sync.execute(Upstream::message, this, message); // per message: no task object
        }

        private void message(RespT message) {
            attemptMessage(this, message);
        }

        private void ready(Object unused) {
            attemptReady(this);
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
            // No task object: the trailers wait in a field that only this close task reads (the serial executor
            // orders the write before it), the status is the task's argument.
            closingTrailers = trailers;
            sync.execute(Upstream::closed, this, status);
        }

        private void closed(Status status) {
            attemptClosed(this, status, closingTrailers);
        }

        @Override
        public void onReady() {
            sync.execute(Upstream::ready, this, null);
        }
    }
}
