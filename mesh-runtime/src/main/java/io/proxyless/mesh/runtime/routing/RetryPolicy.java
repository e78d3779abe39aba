package io.proxyless.mesh.runtime.routing;

import io.proxyless.mesh.api.HTTPRetry;
import io.proxyless.mesh.runtime.model.RetryOn;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
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
 * <p>A value (equal when its parts are), immutable.
 */
public final class RetryPolicy {

    public static final String DEFAULT_RETRY_ON = "connect-failure,refused-stream,unavailable,cancelled,"
            + "retriable-status-codes";
    public static final int DEFAULT_ATTEMPTS = 2;
    public static final Duration DEFAULT_BACKOFF = Duration.ofMillis(25);

    /** Istio's policy for routes that set no {@code retries}. */
    public static final RetryPolicy ISTIO_DEFAULT = from(null, false);
    /** The same under consistent hashing, where retries may return to the hashed host. */
    public static final RetryPolicy ISTIO_DEFAULT_HASHING = from(null, true);

    private final int attempts;
    private final Duration perTryTimeout;
    private final String retryOn;
    private final Set<RetryOn> conditions;
    private final Set<Integer> retriableStatusCodes;
    private final boolean avoidPreviousHosts;
    private final Duration backoffBase;
    // Every response is judged by its status (most of them 200), so the answer per status is worked out here,
    // once, instead of asking the condition and code sets per response: which 5xx statuses are retried (bit
    // status - 500 of the two words), whether 409 is, and whether any other listed code exists at all.
    private final long retried500To563;
    private final long retried564To599;
    private final boolean retries409;
    private final boolean otherListedCodes;

    /**
     * A policy of these parts; the answers per response status are worked out here.
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
    public RetryPolicy(int attempts, Duration perTryTimeout, String retryOn, Set<RetryOn> conditions,
                       Set<Integer> retriableStatusCodes, boolean avoidPreviousHosts, Duration backoffBase) {
        EnumSet<RetryOn> copy = EnumSet.noneOf(RetryOn.class);
        copy.addAll(conditions);
        this.attempts = attempts;
        this.perTryTimeout = perTryTimeout;
        this.retryOn = retryOn;
        this.conditions = Collections.unmodifiableSet(copy);
        this.retriableStatusCodes = Set.copyOf(retriableStatusCodes);
        this.avoidPreviousHosts = avoidPreviousHosts;
        this.backoffBase = backoffBase;
        long low = 0;
        long high = 0;
        for (int status = 500; status <= 599; status++) {
            if (judgeStatus(status)) {
                if (status < 564) {
                    low |= 1L << (status - 500);
                } else {
                    high |= 1L << (status - 564);
                }
            }
        }
        this.retried500To563 = low;
        this.retried564To599 = high;
        this.retries409 = judgeStatus(409);
        boolean others = false;
        if (this.conditions.contains(RetryOn.RETRIABLE_STATUS_CODES)) {
            for (int code : this.retriableStatusCodes) {
                others |= code != 409 && (code < 500 || code > 599);
            }
        }
        this.otherListedCodes = others;
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
     * Answered from what the constructor worked out; a status outside 5xx and 409 looks at the code list only
     * when the policy lists such a code.
     */
    public boolean retriesStatus(int status) {
        int i = status - 500;
        if (i >= 0 && i < 100) {
            return ((i < 64 ? retried500To563 >>> i : retried564To599 >>> (i - 64)) & 1L) != 0;
        }
        if (status == 409) {
            return retries409;
        }
        return otherListedCodes && retriableStatusCodes.contains(status);
    }

    /** The rule itself, from the conditions and the code list: what {@link #retriesStatus} answers from. */
    private boolean judgeStatus(int status) {
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

    /** Retries after the first try (Istio's count). */
    public int attempts() {
        return attempts;
    }

    /** Timeout of each try, or null. */
    public Duration perTryTimeout() {
        return perTryTimeout;
    }

    /** The conditions as Envoy's comma-separated string. */
    public String retryOn() {
        return retryOn;
    }

    /** The named conditions in {@code retryOn}. */
    public Set<RetryOn> conditions() {
        return conditions;
    }

    /** HTTP statuses retried under {@code retriable-status-codes}. */
    public Set<Integer> retriableStatusCodes() {
        return retriableStatusCodes;
    }

    /** Envoy's previous_hosts predicate (off under consistent hashing). */
    public boolean avoidPreviousHosts() {
        return avoidPreviousHosts;
    }

    /** Base interval of the jittered exponential backoff. */
    public Duration backoffBase() {
        return backoffBase;
    }

    // A value, as it was when it was a record: the fields worked out from the others take no part.
    @Override
    public boolean equals(Object o) {
        return o instanceof RetryPolicy p && attempts == p.attempts && avoidPreviousHosts == p.avoidPreviousHosts
                && Objects.equals(perTryTimeout, p.perTryTimeout) && Objects.equals(retryOn, p.retryOn)
                && conditions.equals(p.conditions) && retriableStatusCodes.equals(p.retriableStatusCodes)
                && Objects.equals(backoffBase, p.backoffBase);
    }

    @Override
    public int hashCode() {
        return Objects.hash(attempts, perTryTimeout, retryOn, conditions, retriableStatusCodes, avoidPreviousHosts,
                backoffBase);
    }

    @Override
    public String toString() {
        return "RetryPolicy[attempts=" + attempts + ", perTryTimeout=" + perTryTimeout + ", retryOn=" + retryOn
                + ", conditions=" + conditions + ", retriableStatusCodes=" + retriableStatusCodes
                + ", avoidPreviousHosts=" + avoidPreviousHosts + ", backoffBase=" + backoffBase + "]";
    }
}
