package io.proxyless.mesh.runtime.routing;

import io.proxyless.mesh.api.HTTPRetry;
import io.proxyless.mesh.runtime.model.RetryOn;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * The effective retry policy of a route, as Istio programs Envoy's.
 *
 * <ul>
 *   <li>{@code retries} unset: Istio's default, 2 retries (3 tries in all) on
 *       {@code connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes} with an empty status
 *       code list (so 503 is not retried, since Istio 1.24), avoiding previously tried hosts.</li>
 *   <li>{@code attempts} ≤ 0: retries off ({@link #from} returns null).</li>
 *   <li>{@code retryOn} given: it replaces the default; integer tokens become retriable status codes and turn on
 *       {@code retriable-status-codes}.</li>
 * </ul>
 *
 * @param attempts             retries after the first try (Istio's count)
 * @param perTryTimeout        timeout of each try, or null
 * @param retryOn              the conditions as Envoy's comma-separated string
 * @param conditions           the named conditions in {@code retryOn} (unknown tokens, which validation rejects,
 *                             are left out)
 * @param retriableStatusCodes HTTP statuses retried under {@code retriable-status-codes}
 * @param avoidPreviousHosts   Envoy's previous_hosts predicate (off under consistent hashing)
 * @param backoffBase          base interval of the jittered exponential backoff (Envoy's default 25 ms)
 */
public record RetryPolicy(int attempts, Duration perTryTimeout, String retryOn, Set<RetryOn> conditions,
                          Set<Integer> retriableStatusCodes, boolean avoidPreviousHosts, Duration backoffBase) {

    public static final String DEFAULT_RETRY_ON = "connect-failure,refused-stream,unavailable,cancelled,"
            + "retriable-status-codes";
    public static final int DEFAULT_ATTEMPTS = 2;
    public static final Duration DEFAULT_BACKOFF = Duration.ofMillis(25);

    /** Istio's policy for routes that set no {@code retries}. */
    public static final RetryPolicy ISTIO_DEFAULT = from(null, false);
    /** The same under consistent hashing, where retries may return to the hashed host. */
    public static final RetryPolicy ISTIO_DEFAULT_HASHING = from(null, true);

    public RetryPolicy {
        EnumSet<RetryOn> copy = EnumSet.noneOf(RetryOn.class);
        copy.addAll(conditions);
        conditions = Collections.unmodifiableSet(copy);
        retriableStatusCodes = Set.copyOf(retriableStatusCodes);
    }

    /** The policy for a route's {@code retries} (null = unset), or null when retries are off. */
    public static RetryPolicy from(HTTPRetry retries, boolean consistentHash) {
        if (retries == null) {
            return parse(DEFAULT_ATTEMPTS, null, DEFAULT_RETRY_ON, !consistentHash, null);
        }
        if (retries.attempts() == null || retries.attempts() <= 0) {
            return null;
        }
        // retryIgnorePreviousHosts (default true) keeps Envoy's previous_hosts predicate: retries skip hosts
        // already tried. Consistent hashing turns it off, since the hash must pick the same host.
        boolean avoid = !consistentHash && !Boolean.FALSE.equals(retries.retryIgnorePreviousHosts());
        String retryOn = retries.retryOn() == null || retries.retryOn().isEmpty()
                ? DEFAULT_RETRY_ON : retries.retryOn();
        return parse(retries.attempts(), retries.perTryTimeout(), retryOn, avoid, retries.backoff());
    }

    /**
     * The policy of a route of the route model (Envoy's {@code retry_policy}), or null when it has none (retries
     * off).
     */
    public static RetryPolicy from(io.proxyless.mesh.runtime.model.RetryPolicy policy) {
        if (policy == null || policy.numRetries() <= 0) {
            return null;
        }
        Set<RetryOn> conditions = EnumSet.noneOf(RetryOn.class);
        conditions.addAll(policy.retryOn());
        if (!policy.retriableStatusCodes().isEmpty()) {
            conditions.add(RetryOn.RETRIABLE_STATUS_CODES);
        }
        String retryOn = String.join(",", conditions.stream().map(RetryOn::token).toList());
        return new RetryPolicy(policy.numRetries(), policy.perTryTimeout(), retryOn, conditions,
                policy.retriableStatusCodes(), policy.avoidPreviousHosts(), policy.backoffBase());
    }

    private static RetryPolicy parse(int attempts, Duration perTry, String retryOn, boolean avoidPreviousHosts,
                                     Duration backoff) {
        Set<RetryOn> conditions = EnumSet.noneOf(RetryOn.class);
        Set<Integer> codes = new TreeSet<>();
        for (String token : retryOn.split(",")) {
            if (token.isEmpty()) {
                continue;
            }
            if (token.chars().allMatch(Character::isDigit)) {
                codes.add(Integer.parseInt(token));
                conditions.add(RetryOn.RETRIABLE_STATUS_CODES);
            } else {
                RetryOn condition = RetryOn.fromToken(token);
                if (condition != null) {
                    conditions.add(condition);
                }
            }
        }
        return new RetryPolicy(attempts, perTry, retryOn, conditions, codes, avoidPreviousHosts,
                backoff == null ? DEFAULT_BACKOFF : backoff);
    }

    /** True when {@code condition} is enabled. */
    public boolean retriesOn(RetryOn condition) {
        return conditions.contains(condition);
    }

    /**
     * True when an HTTP response with {@code status} should be retried under this policy: {@code 5xx} (any 5xx),
     * {@code gateway-error} (502, 503, 504), {@code retriable-4xx} (409) or a listed retriable status code.
     */
    public boolean retriesStatus(int status) {
        if (status >= 500 && status <= 599 && conditions.contains(RetryOn.FIVE_XX)) {
            return true;
        }
        if ((status == 502 || status == 503 || status == 504) && conditions.contains(RetryOn.GATEWAY_ERROR)) {
            return true;
        }
        if (status == 409 && conditions.contains(RetryOn.RETRIABLE_4XX)) {
            return true;
        }
        return conditions.contains(RetryOn.RETRIABLE_STATUS_CODES) && retriableStatusCodes.contains(status);
    }
}
