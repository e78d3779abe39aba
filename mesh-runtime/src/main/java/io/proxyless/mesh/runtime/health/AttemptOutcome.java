package io.proxyless.mesh.runtime.health;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What happened to one attempt (one try of a request against one endpoint), as an adapter reports it to
 * {@link OutlierDetector#report}. Outcomes are classified the way Envoy's outlier detector sees them, so that
 * an Istio {@code outlierDetection} policy ejects the same endpoints here as it would behind a sidecar.
 *
 * <p>Which factory an adapter should use:
 * <ul>
 *   <li>a response arrived: {@link #httpStatus(int)} with its status, whatever it is (1xx–4xx count as success);</li>
 *   <li>a gRPC call ended with a status sent by the server: {@link #grpcStatus(String, boolean)};</li>
 *   <li>the TCP/TLS connection could not be made (refused, unreachable, connect timeout, handshake failure):
 *       {@link #connectFailure()};</li>
 *   <li>the connection or stream was reset or closed before a response (incl. HTTP/2 RST_STREAM, GOAWAY):
 *       {@link #reset()};</li>
 *   <li>the attempt's own timeout (route timeout, per-try timeout, gRPC deadline) fired first: {@link #timeout()};
 *       a {@code DEADLINE_EXCEEDED} or {@code UNAVAILABLE} that the <em>client library</em> made up is a
 *       timeout or connect failure, not a server status;</li>
 *   <li>anything else that went wrong on our side before a response: {@link #localOriginFailure()}.</li>
 * </ul>
 * An attempt refused by our own circuit breaker ({@link ConnectionPool}) is not reported at all: Envoy ignores
 * overflow resets too, since they say nothing about the endpoint.
 *
 * <p>gRPC: Envoy's router converts a {@code grpc-status} found in the response <em>headers</em> (a
 * "trailers-only" response, which is how servers answer a call that fails before any message) to an HTTP status
 * with the table of {@code Grpc::Utility::grpcToHttpStatus} (UNAVAILABLE → 503, DEADLINE_EXCEEDED → 504,
 * UNKNOWN/INTERNAL/DATA_LOSS → 500, UNIMPLEMENTED → 501, RESOURCE_EXHAUSTED → 429, …) and reports that; a
 * {@code grpc-status} that only arrives in trailers after a {@code :status 200} is not looked at: the 200 was
 * already reported. {@link #grpcStatus(String)} assumes the trailers-only case (the usual one for errors);
 * {@link #grpcStatus(String, boolean)} lets an adapter that knows whether headers were received be exact.
 *
 * @param kind       classification of the outcome
 * @param status     the HTTP status Envoy's outlier detector is given for a response (for gRPC: the mapped status,
 *                   or 200 when the status came in trailers); 0 for local-origin outcomes
 * @param grpcStatus the gRPC status code name as reported (upper case), or null for plain HTTP and local outcomes
 */
public record AttemptOutcome(Kind kind, int status, String grpcStatus) {

    /** Classification of an attempt's outcome. */
    public enum Kind {
        /** A response that outlier detection does not count as an error by default (any status below 500). */
        SUCCESS,
        /** A 5xx response other than a gateway error. */
        HTTP_5XX,
        /** 502, 503 or 504: Envoy's "gateway error" class (also a 5xx). */
        GATEWAY_ERROR,
        /** No connection could be established. */
        CONNECT_FAILURE,
        /** Connection or stream reset before a response. */
        RESET,
        /** The attempt timed out locally. */
        TIMEOUT,
        /** Another locally originated failure before a response. */
        LOCAL_ORIGIN_FAILURE
    }

    private static final AttemptOutcome CONNECT_FAILURE = new AttemptOutcome(Kind.CONNECT_FAILURE, 0, null);
    private static final AttemptOutcome RESET = new AttemptOutcome(Kind.RESET, 0, null);
    private static final AttemptOutcome TIMEOUT = new AttemptOutcome(Kind.TIMEOUT, 0, null);
    private static final AttemptOutcome LOCAL_ORIGIN_FAILURE = new AttemptOutcome(Kind.LOCAL_ORIGIN_FAILURE, 0, null);

    // Outcomes are reported once per attempt on the request path; sharing instances keeps that allocation-free.
    private static final AttemptOutcome[] HTTP = new AttemptOutcome[600];

    static {
        for (int s = 100; s < HTTP.length; s++) {
            HTTP[s] = new AttemptOutcome(classify(s), s, null);
        }
    }

    /** gRPC code names (grpc-java's spelling) by their numeric value. */
    private static final String[] GRPC_NAMES = {
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
        "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"
    };

    /** Envoy's grpcToHttpStatus, indexed by gRPC code (Google API design guide mapping). */
    private static final int[] GRPC_TO_HTTP = {
        200, 499, 500, 400, 504, 404, 409, 403, 429, 400, 409, 400, 501, 500, 503, 500, 401
    };

    private static final Map<String, Integer> GRPC_CODES;

    static {
        var codes = new java.util.HashMap<String, Integer>();
        for (int i = 0; i < GRPC_NAMES.length; i++) {
            codes.put(GRPC_NAMES[i], i);
            codes.put(Integer.toString(i), i);
        }
        codes.put("CANCELED", 1); // Envoy's and Go's spelling
        GRPC_CODES = Map.copyOf(codes);
    }

    // [trailersOnly ? 1 : 0][code]
    private static final AttemptOutcome[][] GRPC = new AttemptOutcome[2][GRPC_NAMES.length];

    static {
        for (int code = 0; code < GRPC_NAMES.length; code++) {
            int mapped = GRPC_TO_HTTP[code];
            GRPC[1][code] = new AttemptOutcome(classify(mapped), mapped, GRPC_NAMES[code]);
            GRPC[0][code] = new AttemptOutcome(Kind.SUCCESS, 200, GRPC_NAMES[code]);
        }
    }

    public AttemptOutcome {
        Objects.requireNonNull(kind, "kind");
    }

    /**
     * A response with this HTTP status.
     *
     * <pre>{@code detector.report(endpoint, AttemptOutcome.httpStatus(response.code()));}</pre>
     *
     * @throws IllegalArgumentException when the status is outside 100..599
     */
    public static AttemptOutcome httpStatus(int status) {
        if (status < 100 || status >= HTTP.length) {
            throw new IllegalArgumentException("HTTP status out of range 100..599: " + status);
        }
        return HTTP[status];
    }

    /**
     * A gRPC call that ended with this server status in a trailers-only response (what servers send when a call
     * fails before its first message). Same as {@code grpcStatus(codeName, true)}.
     *
     * @param codeName a gRPC code name ({@code "UNAVAILABLE"}, case-insensitive; {@code "CANCELED"} accepted)
     *                 or its number ({@code "14"}); an unknown code counts as Envoy's InvalidCode, i.e. 500
     */
    public static AttemptOutcome grpcStatus(String codeName) {
        return grpcStatus(codeName, true);
    }

    /**
     * A gRPC call that ended with this server status.
     *
     * @param codeName     gRPC code name or number, see {@link #grpcStatus(String)}
     * @param trailersOnly true when the status came without response headers before it (trailers-only
     *                     response): Envoy maps it to an HTTP status for outlier detection. False when headers
     *                     ({@code :status 200}) came first: Envoy has then already counted a 200, so this is a
     *                     success for outlier detection whatever the code
     */
    public static AttemptOutcome grpcStatus(String codeName, boolean trailersOnly) {
        Objects.requireNonNull(codeName, "codeName");
        Integer code = GRPC_CODES.get(codeName.trim().toUpperCase(Locale.ROOT));
        if (code != null) {
            return GRPC[trailersOnly ? 1 : 0][code];
        }
        String name = codeName.trim().toUpperCase(Locale.ROOT);
        return trailersOnly ? new AttemptOutcome(Kind.HTTP_5XX, 500, name) : new AttemptOutcome(Kind.SUCCESS, 200, name);
    }

    /**
     * A gRPC call that ended with this server status, by its numeric code: what {@link #grpcStatus(String, boolean)}
     * answers for the code's name, without reading a name on every call.
     *
     * @param code         the gRPC status code (0 OK … 16 UNAUTHENTICATED); another number counts as Envoy's
     *                     InvalidCode, i.e. 500
     * @param trailersOnly see {@link #grpcStatus(String, boolean)}
     */
    public static AttemptOutcome grpcStatus(int code, boolean trailersOnly) {
        if (code >= 0 && code < GRPC_NAMES.length) {
            return GRPC[trailersOnly ? 1 : 0][code];
        }
        return grpcStatus(Integer.toString(code), trailersOnly);
    }

    /** The connection to the endpoint could not be established. */
    public static AttemptOutcome connectFailure() {
        return CONNECT_FAILURE;
    }

    /** The connection or stream was reset before a response arrived. */
    public static AttemptOutcome reset() {
        return RESET;
    }

    /** The attempt timed out before a response arrived. */
    public static AttemptOutcome timeout() {
        return TIMEOUT;
    }

    /** Another failure on our side of the connection before a response arrived. */
    public static AttemptOutcome localOriginFailure() {
        return LOCAL_ORIGIN_FAILURE;
    }

    /** True for outcomes where the endpoint answered (with any status). */
    public boolean isResponse() {
        return kind == Kind.SUCCESS || kind == Kind.HTTP_5XX || kind == Kind.GATEWAY_ERROR;
    }

    /**
     * True when no connection could be made or it was reset before a response: what Envoy answers as "upstream
     * connect error or disconnect/reset before headers" (flags UF, UC).
     */
    public boolean isConnectFailureOrReset() {
        return kind == Kind.CONNECT_FAILURE || kind == Kind.RESET;
    }

    /** True for locally originated failures: connect failure, reset, timeout, other local failure. */
    public boolean isLocalOrigin() {
        return !isResponse();
    }

    /**
     * The HTTP status Envoy's outlier detector counts for this outcome when local and external errors are not
     * split ({@code splitExternalLocalOriginErrors: false}, the default): a response's own status; 504 for a
     * timeout; 503 for connect failures, resets and other local failures (Envoy's
     * {@code resultToHttpCode}/router reset handling).
     */
    public int outlierStatus() {
        return switch (kind) {
            case SUCCESS, HTTP_5XX, GATEWAY_ERROR -> status;
            case TIMEOUT -> 504;
            case CONNECT_FAILURE, RESET, LOCAL_ORIGIN_FAILURE -> 503;
        };
    }

    /** True when {@code status} is one of Envoy's gateway errors: 502, 503, 504. */
    public static boolean isGatewayError(int status) {
        return status == 502 || status == 503 || status == 504;
    }

    private static Kind classify(int status) {
        if (isGatewayError(status)) {
            return Kind.GATEWAY_ERROR;
        }
        return status >= 500 ? Kind.HTTP_5XX : Kind.SUCCESS;
    }

    @Override
    public String toString() {
        if (grpcStatus != null) {
            return "grpc " + grpcStatus + " (as HTTP " + status + ")";
        }
        return isResponse() ? "HTTP " + status : kind.name();
    }
}
