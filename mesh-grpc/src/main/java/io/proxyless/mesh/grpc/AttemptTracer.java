package io.proxyless.mesh.grpc;

import io.grpc.Attributes;
import io.grpc.ClientStreamTracer;
import io.grpc.Metadata;
import io.grpc.Status;
import io.proxyless.mesh.runtime.health.AttemptOutcome;
import java.util.concurrent.atomic.AtomicLong;

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
    private final AtomicLong requestBytes = new AtomicLong();
    private final AtomicLong responseBytes = new AtomicLong();
    private final AtomicLong requestMessages = new AtomicLong();
    private final AtomicLong responseMessages = new AtomicLong();

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
                requestMessages.incrementAndGet();
            }

            @Override
            public void inboundMessage(int seqNo) {
                responseMessages.incrementAndGet();
            }

            @Override
            public void outboundUncompressedSize(long bytes) {
                requestBytes.addAndGet(bytes);
            }

            @Override
            public void inboundUncompressedSize(long bytes) {
                responseBytes.addAndGet(bytes);
            }
        };
    }

    /** Request message bytes (uncompressed) sent on this attempt. */
    long requestBytes() {
        return requestBytes.get();
    }

    /** Response message bytes (uncompressed) received on this attempt. */
    long responseBytes() {
        return responseBytes.get();
    }

    /** Request messages sent on this attempt's stream. */
    long requestMessages() {
        return requestMessages.get();
    }

    /** Response messages received on this attempt's stream. */
    long responseMessages() {
        return responseMessages.get();
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
            return AttemptOutcome.grpcStatus(status.getCode().name(), !headersReceived);
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
