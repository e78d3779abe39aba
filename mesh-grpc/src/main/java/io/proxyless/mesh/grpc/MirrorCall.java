package io.proxyless.mesh.grpc;

import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.call.MirrorCopy;
import io.proxyless.mesh.runtime.call.Mirroring;
import io.proxyless.mesh.runtime.routing.Cluster;
import io.proxyless.mesh.runtime.tls.TlsConfigException;
import java.io.IOException;
import java.io.InputStream;
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
    // Guava's direct executor, which grpc's call recognises: callbacks run in place, with no serializing executor
    // (a queue node per callback) around them. The callbacks below only touch atomics and the call.
    private static final Executor DIRECT = MoreExecutors.directExecutor();
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
    private final MirrorCopy copy;
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

    private MirrorCall(MeshChannel channel, MethodDescriptor<ReqT, ?> method, MirrorCopy copy,
                       EndpointChannels.Lease lease) {
        this.channel = channel;
        this.method = method;
        this.copy = copy;
        this.lease = lease;
        this.bufferLimit = channel.options().mirrorBufferBytes();
    }

    /**
     * Starts the shadow call of {@code copy} (the engine chose the mirror and its endpoint), or drops it: at most
     * {@code maxConcurrentMirrors} per channel, and the mirror cluster's circuit breaker.
     */
    static <ReqT> MirrorCall<ReqT> start(MeshChannel channel, MethodDescriptor<ReqT, ?> method, MirrorCopy copy,
                                         Metadata headers, RouteDecision decision, String authority,
                                         Deadline deadline) {
        Cluster cluster = copy.cluster();
        if (!channel.tryStartMirror()) {
            copy.dropped("maxConcurrentMirrors in flight");
            return null;
        }
        String shadowAuthority = channel.options().shadowHostSuffix() ? Mirroring.shadowAuthority(authority)
                : authority;
        EndpointChannels.Lease lease;
        try {
            lease = channel.endpoints().acquire(channel.keyFor(copy.endpoint(), cluster,
                    copy.call().engine().mesh().snapshot(), shadowAuthority));
        } catch (TlsConfigException | RuntimeException e) {
            channel.mirrorFinished();
            if (e instanceof TlsConfigException) {
                copy.call().tlsFailure(cluster.key(), e);
            }
            copy.dropped("no channel to " + copy.endpoint() + ": " + e);
            return null;
        }
        if (!copy.begin()) {
            lease.release();
            channel.mirrorFinished();
            return null;
        }
        MirrorCall<ReqT> mc = new MirrorCall<>(channel, method, copy, lease);
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
        if (finished.compareAndSet(false, true)) {
            copy.dropped(why);
            release();
            call.cancel("mesh: " + why, null);
        }
    }

    private void release() {
        lease.release();
        channel.mirrorFinished();
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
        if (finished.compareAndSet(false, true)) {
            copy.finished(tracer.classify(status), status.getCode().value());
            release();
            if (!status.isOk()) {
                log.debug("mirror call to {} ({}) ended with {}", copy.endpoint(), copy.cluster().key(), status);
            }
        }
    }
}
