package io.proxyless.mesh.grpc;

import io.grpc.Metadata;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.call.Attempt;
import io.proxyless.mesh.runtime.call.HeaderMutations;
import io.proxyless.mesh.runtime.call.HeaderSink;
import java.util.Base64;

/**
 * VirtualService {@code headers} operations on gRPC metadata: the order and rules are mesh-runtime's
 * {@link HeaderMutations} (Envoy's); this is the {@link HeaderSink} over {@link Metadata}. Values of
 * {@code -bin} headers are given base64-encoded, as they travel; names gRPC cannot carry are skipped.
 */
final class HeaderOps {
    private HeaderOps() {
    }

    static void applyRequest(Metadata headers, RouteDecision decision) {
        if (HeaderMutations.changesRequest(decision)) { // most routes change no header: no sink, no walk
            HeaderMutations.applyRequest(decision, new MetadataSink(headers));
        }
    }

    /** What the mesh adds to one attempt's metadata (trace context, {@code x-request-id}). */
    static void applyAttempt(Metadata headers, Attempt attempt) {
        if (attempt.addsRequestHeaders()) {
            attempt.requestHeaders(new MetadataSink(headers));
        }
    }

    static void applyResponse(Metadata headers, RouteDecision decision) {
        if (HeaderMutations.changesResponse(decision)) {
            HeaderMutations.applyResponse(decision, new MetadataSink(headers));
        }
    }

    /** The authority the upstream request carries: a rewrite or header operation's, else {@code authority}. */
    static String upstreamAuthority(RouteDecision decision, String authority) {
        String rewritten = HeaderMutations.authority(decision);
        return rewritten != null ? rewritten : authority;
    }

    private record MetadataSink(Metadata metadata) implements HeaderSink {
        @Override
        public void set(String name, String value) {
            remove(name);
            add(name, value);
        }

        @Override
        public void add(String name, String value) {
            try {
                if (name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                    metadata.put(Metadata.Key.of(name, Metadata.BINARY_BYTE_MARSHALLER),
                            Base64.getDecoder().decode(value));
                } else {
                    metadata.put(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER), value);
                }
            } catch (IllegalArgumentException e) {
                // not a legal gRPC header name or value: gRPC cannot send it
            }
        }

        @Override
        public void remove(String name) {
            try {
                if (name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                    metadata.discardAll(Metadata.Key.of(name, Metadata.BINARY_BYTE_MARSHALLER));
                } else {
                    metadata.discardAll(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER));
                }
            } catch (IllegalArgumentException e) {
                // a name gRPC cannot carry is never present
            }
        }
    }
}
