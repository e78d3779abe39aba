package io.proxyless.mesh.api;

import java.time.Duration;

/**
 * Istio {@code HTTPRetry}: how a failed request is retried.
 *
 * <pre>{@code
 * HTTPRetry retry = HTTPRetry.of(3, Duration.ofMillis(500), "5xx,reset");
 * }</pre>
 *
 * @param attempts                  number of retries (not counting the first try); 0 turns retries off
 * @param perTryTimeout             timeout of each try, first one included; none when unset
 * @param retryOn                   comma-separated conditions (Envoy and gRPC names, or HTTP status codes)
 * @param retryRemoteLocalities     whether retries may go to endpoints in other localities
 * @param retryIgnorePreviousHosts  whether retries avoid the hosts already tried (Istio's default: yes)
 * @param backoff                   base interval between retries; 25 ms when unset
 */
public record HTTPRetry(
        Integer attempts,
        Duration perTryTimeout,
        String retryOn,
        @NotSupported("retries avoid previously tried hosts but do not prefer other localities")
        Boolean retryRemoteLocalities,
        Boolean retryIgnorePreviousHosts,
        Duration backoff) {

    public static HTTPRetry of(int attempts, Duration perTryTimeout, String retryOn) {
        return new HTTPRetry(attempts, perTryTimeout, retryOn, null, null, null);
    }

    /** {@code attempts: 0}: no retries at all. */
    public static HTTPRetry disabled() {
        return new HTTPRetry(0, null, null, null, null, null);
    }
}
