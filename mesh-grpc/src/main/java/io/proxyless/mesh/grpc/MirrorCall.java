package io.proxyless.mesh.grpc;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.call.Mirroring;
import io.proxyless.mesh.runtime.health.AttemptOutcome;
import io.proxyless.mesh.runtime.health.ConnectionPool;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.routing.Cluster;
import io.proxyless.mesh.runtime.routing.CompiledMesh;
import io.proxyless.mesh.runtime.routing.Mirror;
import io.proxyless.mesh.runtime.tls.TlsConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A shadow copy of one call sent to a mirror destination, for unary and streaming calls alike: it starts with
 * the primary (after fault injection, as Envoy's router shadows), receives every request message the primary
 * sends and its half-close, and throws its responses away.
 *
 * <p>It is isolated from the primary: it runs outside the caller's {@link Context} (the caller's cancellation
 * does not reach it, its failure does not reach the caller), on a direct executor, never waits — a mirror whose
 * stream is not ready (still connecting, or flow-controlled by a slow server) takes at most
 * {@code mirrorBufferBytes} of request messages and is then abandoned — and at most
 * {@code maxConcurrentMirrors} run per channel. It is reported to the mirror cluster like any attempt
 * (outlier detection, circuit breaking), but never retried. When the primary ends before its request stream
 * did, the mirror's request is incomplete and it is cancelled.
 */
final class MirrorCall<ReqT> extends ClientCall.Listener<Object> {
    private static final Logger log = LoggerFactory.getLogger(MirrorCall.class);
    private static final Executor DIRECT = Runnable::run;
    private static final Object DISCARDED = new Object();

    /** Reads and drops a response message: a mirror's responses are never looked at. */
    private static final MethodDescriptor.Marshaller<Object> DISCARD = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(Object value) {
            throw new UnsupportedOperationException("mirror responses are only read");
        }

        @Override
        public Object parse(InputStream stream) {
            try (stream) {
                stream.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (IOException e) {
                // nothing to do: the response is discarded anyway
            }
            return DISCARDED;
        }
    };

    private final MeshChannel channel;
    private final Cluster cluster;
    private final Endpoint endpoint;
    private final ConnectionPool.Permit permit;
    private final EndpointChannels.Lease lease;
    private final AttemptTracer tracer = new AttemptTracer();
    private final AtomicBoolean finished = new AtomicBoolean();
    private final long bufferLimit;
    private final MethodDescriptor<ReqT, ?> method;
    private ClientCall<ReqT, Object> call;
    // Bytes sent while the stream was not ready; onReady (transport thread) resets it.
    private final AtomicLong queuedWhileNotReady = new AtomicLong();
    // Touched only from the primary's synchronization context.
    private boolean halfClosed;

    private MirrorCall(MeshChannel channel, MethodDescriptor<ReqT, ?> method, Cluster cluster, Endpoint endpoint,
                       ConnectionPool.Permit permit, EndpointChannels.Lease lease) {
        this.channel = channel;
        this.method = method;
        this.cluster = cluster;
        this.endpoint = endpoint;
        this.permit = permit;
        this.lease = lease;
        this.bufferLimit = channel.options().mirrorBufferBytes();
    }

    /** Starts a shadow call for each mirror of {@code decision} selected for this call. */
    static <ReqT> List<MirrorCall<ReqT>> startAll(MeshChannel channel, MethodDescriptor<ReqT, ?> method,
                                                 CompiledMesh snapshot, RouteDecision decision, RouteRequest request,
                                                 Metadata headers, String authority, Deadline deadline) {
        List<Mirror> mirrors = decision.mirrors();
        if (mirrors.isEmpty()) {
            return List.of();
        }
        List<MirrorCall<ReqT>> started = new ArrayList<>(mirrors.size());
        for (Mirror m : mirrors) {
            if (!Mirroring.selected(m, channel.random())) {
                continue;
            }
            MirrorCall<ReqT> call = start(channel, method, snapshot, decision, m, request, headers, authority,
                    deadline);
            if (call != null) {
                started.add(call);
            }
        }
        return started;
    }

    private static <ReqT> MirrorCall<ReqT> start(MeshChannel channel, MethodDescriptor<ReqT, ?> method,
                                                CompiledMesh snapshot, RouteDecision decision, Mirror mirror,
                                                RouteRequest request, Metadata headers, String authority,
                                                Deadline deadline) {
        Cluster cluster = mirror.cluster();
        if (cluster == null) {
            log.debug("mirror {} of {} skipped: host not in the mesh registry", mirror.host(), decision.route());
            return null;
        }
        Endpoint endpoint = cluster.passthrough() ? Endpoint.of(mirror.host(), cluster.port())
                : cluster.pick(request, Set.of(), channel.random());
        if (endpoint == null) {
            log.debug("mirror {} skipped: no healthy upstream", cluster.key());
            return null;
        }
        if (!channel.tryStartMirror()) {
            log.debug("mirror {} skipped: maxConcurrentMirrors in flight", cluster.key());
            return null;
        }
        ConnectionPool.Permit permit = cluster.pool().tryAcquireRequest();
        if (!permit.granted()) {
            channel.mirrorFinished();
            log.debug("mirror {} skipped: circuit breaker {}", cluster.key(), permit.overflow());
            return null;
        }
        String shadowAuthority = channel.options().shadowHostSuffix() ? Mirroring.shadowAuthority(authority)
                : authority;
        EndpointChannels.Lease lease;
        try {
            lease = channel.endpoints().acquire(channel.keyFor(endpoint, cluster, snapshot, shadowAuthority));
        } catch (TlsConfigException | RuntimeException e) {
            permit.close();
            channel.mirrorFinished();
            log.debug("mirror {} skipped: {}", cluster.key(), e.toString());
            return null;
        }
        MirrorCall<ReqT> mc = new MirrorCall<>(channel, method, cluster, endpoint, permit, lease);
        cluster.attemptStarted(endpoint);
        Metadata shadowHeaders = new Metadata();
        shadowHeaders.merge(headers);
        HeaderOps.applyRequest(shadowHeaders, decision);
        CallOptions options = CallOptions.DEFAULT.withExecutor(DIRECT)
                .withAuthority(shadowAuthority)
                .withStreamTracerFactory(mc.tracer);
        if (deadline != null) {
            options = options.withDeadline(deadline);
        }
        MethodDescriptor<ReqT, Object> shadowMethod = method.toBuilder(method.getRequestMarshaller(), DISCARD)
                .build();
        // Outside the caller's context: its cancellation and deadline are the primary's business.
        Context previous = Context.ROOT.attach();
        try {
            mc.call = lease.channel().newCall(shadowMethod, options);
            mc.call.start(mc, shadowHeaders);
            mc.call.request(1);
        } finally {
            Context.ROOT.detach(previous);
        }
        return mc;
    }

    /** Copies one request message to the mirror, unless it has fallen too far behind. */
    void send(ReqT message) {
        if (finished.get()) {
            return;
        }
        if (!call.isReady()) {
            if (queuedWhileNotReady.addAndGet(sizeOf(message)) > bufferLimit) {
                abandon("mirror fell behind by more than " + bufferLimit + " bytes");
                return;
            }
        } else {
            queuedWhileNotReady.set(0);
        }
        call.sendMessage(message);
    }

    void halfClose() {
        halfClosed = true;
        if (!finished.get()) {
            call.halfClose();
        }
    }

    /** The primary call ended: a mirror whose request stream is still open will never see the rest of it. */
    void primaryClosed() {
        if (!halfClosed) {
            abandon("primary call ended before its request stream");
        }
    }

    private void abandon(String why) {
        if (finish(null)) {
            call.cancel("mesh: " + why, null);
        }
    }

    private boolean finish(AttemptOutcome outcome) {
        if (!finished.compareAndSet(false, true)) {
            return false;
        }
        if (outcome != null) {
            cluster.attemptFinished(endpoint, outcome);
        } else {
            cluster.attemptAbandoned(endpoint);
        }
        permit.close();
        lease.release();
        channel.mirrorFinished();
        return true;
    }

    private long sizeOf(ReqT message) {
        try (InputStream in = method.streamRequest(message)) {
            return Math.max(1, in.available());
        } catch (IOException | RuntimeException e) {
            return 1;
        }
    }

    @Override
    public void onReady() {
        queuedWhileNotReady.set(0);
    }

    @Override
    public void onMessage(Object message) {
        call.request(1);
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
        if (finish(tracer.classify(status)) && !status.isOk()) {
            log.debug("mirror call to {} ({}) ended with {}", endpoint, cluster.key(), status);
        }
    }
}
