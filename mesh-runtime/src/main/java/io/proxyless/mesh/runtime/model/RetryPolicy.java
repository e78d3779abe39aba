package io.proxyless.mesh.runtime.model;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * Envoy's route {@code RetryPolicy}, as istiod writes it from Istio's {@code retries}.
 *
 * @param numRetries           retries after the first try (Istio's {@code attempts})
 * @param retryOn              the conditions retried on (Envoy's {@code retry_on} tokens {@code 5xx},
 *                             {@code connect-failure}, {@code unavailable}…, parsed by the source)
 * @param retriableStatusCodes HTTP statuses retried under {@code retriable-status-codes}
 * @param perTryTimeout        timeout of each try, or null
 * @param backoffBase          base interval of the jittered exponential backoff
 * @param backoffMax           upper bound of one backoff interval
 * @param avoidPreviousHosts   Envoy's {@code previous_hosts} predicate: retries go to hosts not tried yet
 */
public record RetryPolicy(int numRetries, Set<RetryOn> retryOn, Set<Integer> retriableStatusCodes,
                          Duration perTryTimeout, Duration backoffBase, Duration backoffMax,
                          boolean avoidPreviousHosts) {

    /** Envoy's default base interval. */
    public static final Duration DEFAULT_BACKOFF_BASE = Duration.ofMillis(25);

    public RetryPolicy {
        if (numRetries < 0) {
            throw new IllegalArgumentException("attempts cannot be negative");
        }
        EnumSet<RetryOn> conditions = EnumSet.noneOf(RetryOn.class);
        conditions.addAll(retryOn);
        retryOn = Collections.unmodifiableSet(conditions);
        retriableStatusCodes = Set.copyOf(retriableStatusCodes);
        backoffBase = backoffBase == null ? DEFAULT_BACKOFF_BASE : backoffBase;
        // Envoy: max interval defaults to 10 times the base.
        backoffMax = backoffMax == null ? backoffBase.multipliedBy(10) : backoffMax;
        if (backoffBase.isNegative() || backoffBase.isZero() || backoffMax.compareTo(backoffBase) < 0) {
            throw new IllegalArgumentException("backoff base must be positive and at most the max interval");
        }
        if (perTryTimeout != null && (perTryTimeout.isNegative() || perTryTimeout.isZero())) {
            throw new IllegalArgumentException("perTryTimeout must be positive (null for none)");
        }
    }

    /** {@code numRetries} retries on {@code retryOn}, Envoy's default backoff, avoiding hosts already tried. */
    public static RetryPolicy of(int numRetries, Set<RetryOn> retryOn, Duration perTryTimeout) {
        return new RetryPolicy(numRetries, retryOn, Set.of(), perTryTimeout, null, null, true);
    }

    public RetryPolicy withRetriableStatusCodes(Set<Integer> codes) {
        return new RetryPolicy(numRetries, retryOn, codes, perTryTimeout, backoffBase, backoffMax,
                avoidPreviousHosts);
    }

    public RetryPolicy withBackoff(Duration base, Duration max) {
        return new RetryPolicy(numRetries, retryOn, retriableStatusCodes, perTryTimeout, base, max,
                avoidPreviousHosts);
    }

    public RetryPolicy withAvoidPreviousHosts(boolean avoid) {
        return new RetryPolicy(numRetries, retryOn, retriableStatusCodes, perTryTimeout, backoffBase, backoffMax,
                avoid);
    }
}
