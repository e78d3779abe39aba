package io.proxyless.mesh.grpc;

import io.grpc.Attributes;
import io.grpc.ClientStreamTracer;
import io.grpc.Metadata;
import io.grpc.Status;
import io.proxyless.mesh.runtime.health.AttemptOutcome;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Watches one attempt's stream so that its end can be classified as Envoy's outlier detector and retry policy
 * see it. gRPC closes every call with a {@link Status}, whether the server sent it or the client library made
 * it up; the stream tracer tells them apart: did a stream start on a connection, did response headers come,
 * did trailers (a server status) come.
 */
final class AttemptTracer extends ClientStreamTracer.Factory {
    private volatile boolean streamCreated;
    private volatile boolean requestSent;
    private volatile boolean headersReceived;
    private volatile boolean trailersReceived;
    // Counters as fields updated through handles: one attempt per call, so four counter objects each would be
    // most of what the tracer allocates.
    private volatile long requestBytes;
    private volatile long responseBytes;
    private volatile long requestMessages;
    private volatile long responseMessages;
    private static final VarHandle REQUEST_BYTES;
    private static final VarHandle RESPONSE_BYTES;
    private static final VarHandle REQUEST_MESSAGES;
    private static final VarHandle RESPONSE_MESSAGES;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            REQUEST_BYTES = lookup.findVarHandle(AttemptTracer.class, "requestBytes", long.class);
            RESPONSE_BYTES = lookup.findVarHandle(AttemptTracer.class, "responseBytes", long.class);
            REQUEST_MESSAGES = lookup.findVarHandle(AttemptTracer.class, "requestMessages", long.class);
            RESPONSE_MESSAGES = lookup.findVarHandle(AttemptTracer.class, "responseMessages", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Override
    public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
        // One tracer per stream; gRPC's transparent retries may make more than one. Any of them counts.
        return new ClientStreamTracer() {
            @Override
            public void streamCreated(Attributes transportAttrs, Metadata md) {
                streamCreated = true;
            }

            @Override
            public void outboundHeaders() {
                requestSent = true;
            }

            @Override
            public void inboundHeaders(Metadata md) {
                headersReceived = true;
            }

            @Override
            public void inboundTrailers(Metadata trailers) {
                trailersReceived = true;
            }

            @Override
            public void outboundMessage(int seqNo) {
                REQUEST_MESSAGES.getAndAdd(AttemptTracer.this, 1L);
            }

            @Override
            public void inboundMessage(int seqNo) {
                RESPONSE_MESSAGES.getAndAdd(AttemptTracer.this, 1L);
            }

            @Override
            public void outboundUncompressedSize(long bytes) {
                REQUEST_BYTES.getAndAdd(AttemptTracer.this, bytes);
            }

            @Override
            public void inboundUncompressedSize(long bytes) {
                RESPONSE_BYTES.getAndAdd(AttemptTracer.this, bytes);
            }
        };
    }

    /** Request message bytes (uncompressed) sent on this attempt. */
    long requestBytes() {
        return requestBytes;
    }

    /** Response message bytes (uncompressed) received on this attempt. */
    long responseBytes() {
        return responseBytes;
    }

    /** Request messages sent on this attempt's stream. */
    long requestMessages() {
        return requestMessages;
    }

    /** Response messages received on this attempt's stream. */
    long responseMessages() {
        return responseMessages;
    }

    /** True when the server sent the status (trailers arrived). */
    boolean serverStatus() {
        return trailersReceived;
    }

    /** True when request headers went out on a connection (Envoy's "request started"). */
    boolean requestSent() {
        return requestSent;
    }

    /** True when response headers arrived before the end. */
    boolean headersReceived() {
        return headersReceived;
    }

    /**
     * The outcome for the cluster: a server status (trailers-only when no headers came first), a local timeout,
     * a connect failure (no stream was ever created on a connection), another local failure, or a reset.
     */
    AttemptOutcome classify(Status status) {
        if (trailersReceived) {
            return AttemptOutcome.grpcStatus(status.getCode().value(), !headersReceived);
        }
        if (status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
            return AttemptOutcome.timeout();
        }
        if (!streamCreated) {
            return status.getCode() == Status.Code.UNAVAILABLE ? AttemptOutcome.connectFailure()
                    : AttemptOutcome.localOriginFailure();
        }
        return AttemptOutcome.reset();
    }
}
