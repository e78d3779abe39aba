package io.proxyless.mesh.runtime.call;

import io.proxyless.mesh.runtime.health.AttemptOutcome;
import io.proxyless.mesh.runtime.model.RetryOn;
import io.proxyless.mesh.runtime.routing.RetryPolicy;

/**
 * Whether an attempt's outcome is retried under a route's {@link RetryPolicy}, as Envoy's router decides it
 * ({@code RetryStateImpl::wouldRetryFromHeaders} and {@code wouldRetryFromReset}).
 *
 * <pre>{@code
 * RetryPolicy policy = decision.retries();               // null: retries off
 * if (RetryRules.shouldRetry(policy, AttemptOutcome.httpStatus(503), retriesDone)) { ... }
 * }</pre>
 *
 * <h2>Responses</h2>
 * {@code 5xx} any 5xx; {@code gateway-error} 502/503/504; {@code retriable-4xx} 409;
 * {@code retriable-status-codes} the listed codes (integer tokens in {@code retryOn}). A gRPC status in a
 * trailers-only response is retried under {@code cancelled}, {@code deadline-exceeded}, {@code internal},
 * {@code resource-exhausted} or {@code unavailable}; a gRPC response is never judged by the HTTP conditions (its
 * {@code :status} is 200). Istio's default since 1.24 lists no status codes, so a 503 is passed through.
 *
 * <h2>No response</h2>
 * <ul>
 *   <li>connect failure (refused, unreachable, connect timeout, TLS handshake failure): {@code connect-failure},
 *       {@code reset-before-request}, {@code reset}, {@code 5xx}, {@code gateway-error};</li>
 *   <li>reset after connecting: {@code reset}, {@code 5xx}, {@code gateway-error}; {@code refused-stream} when
 *       the server refused the stream (HTTP/2 REFUSED_STREAM); {@code reset-before-request} when nothing of the
 *       request was sent;</li>
 *   <li>per-try timeout: Envoy resets the try and applies the reset rules, so {@code reset}, {@code 5xx},
 *       {@code gateway-error};</li>
 *   <li>other local failures: as a reset.</li>
 * </ul>
 * The route timeout is never retried (it bounds the whole call), nor is a circuit-breaker overflow (Envoy never
 * retries an overflow).
 */
public final class RetryRules {
    private RetryRules() {
    }

    /**
     * True when {@code policy} allows another try after {@code retriesDone} retries and {@code outcome} is a
     * condition it retries. Assumes the request was sent and the stream was not refused.
     */
    public static boolean shouldRetry(RetryPolicy policy, AttemptOutcome outcome, int retriesDone) {
        return shouldRetry(policy, outcome, false, true, retriesDone);
    }

    /**
     * As {@link #shouldRetry(RetryPolicy, AttemptOutcome, int)} with what the adapter knows about a failure.
     *
     * @param refusedStream true when the server refused the stream (HTTP/2 REFUSED_STREAM)
     * @param requestSent   false when no byte of the request reached the connection (a connect failure implies
     *                      false)
     */
    public static boolean shouldRetry(RetryPolicy policy, AttemptOutcome outcome, boolean refusedStream,
                                      boolean requestSent, int retriesDone) {
        if (policy == null || retriesDone >= policy.attempts()) {
            return false;
        }
        return isRetriable(policy, outcome, refusedStream, requestSent);
    }

    /** True when {@code outcome} is one of the conditions {@code policy} retries, whatever the retries left. */
    public static boolean isRetriable(RetryPolicy policy, AttemptOutcome outcome, boolean refusedStream,
                                      boolean requestSent) {
        if (policy == null) {
            return false;
        }
        if (outcome.grpcStatus() != null) {
            // Envoy only sees a gRPC status that arrives in the response headers (trailers-only): our outcomes
            // then carry the mapped HTTP status; a status in trailers after a 200 comes too late to retry.
            RetryOn condition = RetryOn.forGrpcStatus(outcome.grpcStatus());
            return outcome.status() != 200 && condition != null && policy.retriesOn(condition);
        }
        return switch (outcome.kind()) {
            case SUCCESS, HTTP_5XX, GATEWAY_ERROR -> policy.retriesStatus(outcome.status());
            case CONNECT_FAILURE -> policy.retriesOn(RetryOn.CONNECT_FAILURE) || afterReset(policy, false, false);
            case TIMEOUT -> afterReset(policy, false, true);
            case RESET, LOCAL_ORIGIN_FAILURE -> afterReset(policy, refusedStream, requestSent);
        };
    }

    private static boolean afterReset(RetryPolicy policy, boolean refusedStream, boolean requestSent) {
        if (!requestSent && policy.retriesOn(RetryOn.RESET_BEFORE_REQUEST)) {
            return true;
        }
        if (policy.retriesOn(RetryOn.RESET) || policy.retriesOn(RetryOn.FIVE_XX)
                || policy.retriesOn(RetryOn.GATEWAY_ERROR)) {
            return true; // Envoy counts an upstream reset as a 5xx
        }
        return refusedStream && policy.retriesOn(RetryOn.REFUSED_STREAM);
    }
}
