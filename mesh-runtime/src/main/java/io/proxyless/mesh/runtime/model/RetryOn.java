package io.proxyless.mesh.runtime.model;

import java.util.Locale;

/**
 * One retry condition of a route: Envoy's {@code x-envoy-retry-on} tokens and its {@code x-envoy-retry-grpc-on}
 * tokens, which Istio's {@code retries.retryOn} mixes in one comma-separated list. Parsed once, by whichever source
 * builds the route model ({@link RetryPolicy#retryOn()}); the request path tests membership in an
 * {@link java.util.EnumSet}.
 *
 * <pre>{@code
 * RetryOn.fromToken("gateway-error");   // GATEWAY_ERROR
 * RetryOn.forGrpcStatus("UNAVAILABLE"); // UNAVAILABLE
 * }</pre>
 *
 * <p>Declared in the order istiod writes its default policy ({@code connect-failure,refused-stream,unavailable,
 * cancelled,retriable-status-codes}), so a set of them reads back as Istio writes it.
 */
public enum RetryOn {
    /** Any 5xx response, a connect failure, a reset or a per-try timeout. */
    FIVE_XX("5xx"),
    /** 502, 503, 504, a connect failure, a reset or a per-try timeout. */
    GATEWAY_ERROR("gateway-error"),
    /** A reset or disconnect before a response, and a per-try timeout. */
    RESET("reset"),
    /** A reset before any byte of the request was sent. */
    RESET_BEFORE_REQUEST("reset-before-request"),
    /** No connection could be made (refused, unreachable, connect timeout, TLS handshake). */
    CONNECT_FAILURE("connect-failure"),
    /** A 429 with Envoy's rate-limit header; never produced by this mesh, accepted for completeness. */
    ENVOY_RATELIMITED("envoy-ratelimited"),
    /** 409. */
    RETRIABLE_4XX("retriable-4xx"),
    /** The server refused the stream (HTTP/2 REFUSED_STREAM). */
    REFUSED_STREAM("refused-stream"),
    /** gRPC status UNAVAILABLE in the response headers. */
    UNAVAILABLE("unavailable"),
    /** gRPC status CANCELLED in the response headers. */
    CANCELLED("cancelled"),
    /** gRPC status DEADLINE_EXCEEDED in the response headers. */
    DEADLINE_EXCEEDED("deadline-exceeded"),
    /** gRPC status INTERNAL in the response headers. */
    INTERNAL("internal"),
    /** gRPC status RESOURCE_EXHAUSTED in the response headers. */
    RESOURCE_EXHAUSTED("resource-exhausted"),
    /** The statuses listed as integer tokens. */
    RETRIABLE_STATUS_CODES("retriable-status-codes"),
    /** Response headers named by the route's retriable headers (not supported: Istio has no field for them). */
    RETRIABLE_HEADERS("retriable-headers"),
    /** HTTP/3 only. */
    HTTP3_POST_CONNECT_FAILURE("http3-post-connect-failure");

    private final String token;

    RetryOn(String token) {
        this.token = token;
    }

    /** Envoy's spelling, e.g. {@code gateway-error}. */
    public String token() {
        return token;
    }

    /** The condition named {@code token} (Envoy's spelling), or null when there is none. */
    public static RetryOn fromToken(String token) {
        for (RetryOn r : values()) {
            if (r.token.equals(token)) {
                return r;
            }
        }
        return null;
    }

    /**
     * The condition that retries a gRPC status ({@code UNAVAILABLE}, {@code CANCELED} accepted), or null for codes
     * Envoy cannot retry on.
     */
    public static RetryOn forGrpcStatus(String codeName) {
        return switch (codeName.toUpperCase(Locale.ROOT)) {
            case "CANCELLED", "CANCELED" -> CANCELLED;
            case "DEADLINE_EXCEEDED" -> DEADLINE_EXCEEDED;
            case "INTERNAL" -> INTERNAL;
            case "RESOURCE_EXHAUSTED" -> RESOURCE_EXHAUSTED;
            case "UNAVAILABLE" -> UNAVAILABLE;
            default -> null;
        };
    }

    @Override
    public String toString() {
        return token;
    }
}
