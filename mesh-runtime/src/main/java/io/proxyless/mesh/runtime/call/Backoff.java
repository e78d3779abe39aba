package io.proxyless.mesh.runtime.call;

import io.proxyless.mesh.runtime.routing.RetryPolicy;
import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Envoy's retry backoff: fully jittered exponential. Before retry {@code n} (1 for the first retry) the router
 * waits a uniformly random time in {@code [0, min(base × 2^(n-1), max))} milliseconds, where {@code base} is
 * 25 ms unless Istio's {@code retries.backoff} sets it and {@code max} is 10 × base.
 *
 * <pre>{@code
 * Backoff backoff = Backoff.of(decision.retries());
 * Thread.sleep(backoff.delay(retriesDone + 1, ThreadLocalRandom.current()).toMillis());
 * }</pre>
 *
 * @param base first interval
 * @param max  cap on the interval
 */
public record Backoff(Duration base, Duration max) {

    /** Envoy's default base interval. */
    public static final Duration DEFAULT_BASE = Duration.ofMillis(25);

    public Backoff {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(max, "max");
        // Envoy rounds sub-millisecond intervals up to 1 ms.
        if (base.toMillis() < 1) {
            base = Duration.ofMillis(1);
        }
        if (max.compareTo(base) < 0) {
            max = base;
        }
    }

    /** Envoy's backoff for {@code base}: the max interval is 10 × base. */
    public static Backoff envoy(Duration base) {
        Duration b = base == null ? DEFAULT_BASE : base;
        return new Backoff(b, b.multipliedBy(10));
    }

    /** The backoff of {@code policy} (Envoy's default 25 ms when the policy is null or sets none). */
    public static Backoff of(RetryPolicy policy) {
        return envoy(policy == null ? null : policy.backoffBase());
    }

    /** The interval from which the wait before retry {@code retry} (1-based) is drawn. */
    public Duration interval(int retry) {
        if (retry < 1) {
            throw new IllegalArgumentException("retry numbers start at 1: " + retry);
        }
        long baseMs = base.toMillis();
        long maxMs = max.toMillis();
        long interval = baseMs;
        // Doubling stops at max, as Envoy's JitteredExponentialBackOffStrategy does (no overflow).
        for (int i = 1; i < retry && interval < maxMs; i++) {
            interval = interval > maxMs / 2 ? maxMs : interval * 2;
        }
        return Duration.ofMillis(Math.min(interval, maxMs));
    }

    /** The wait before retry {@code retry} (1-based): uniform in [0, interval) whole milliseconds. */
    public Duration delay(int retry, RandomGenerator random) {
        long interval = interval(retry).toMillis();
        return Duration.ofMillis(random.nextLong(interval));
    }
}
