package io.proxyless.mesh.api;

import java.time.Duration;

/**
 * Istio {@code WarmupConfiguration}: new endpoints get a growing share of traffic during a warm-up window
 * instead of their full share at once (slow start).
 *
 * @param duration       length of the warm-up window; required
 * @param minimumPercent share of its normal weight an endpoint starts with; 10 when unset
 * @param aggression     how quickly traffic grows; 1.0 (linear) when unset, higher is faster
 */
public record WarmupConfiguration(Duration duration, Double minimumPercent, Double aggression) {
    public static WarmupConfiguration of(Duration duration) {
        return new WarmupConfiguration(duration, null, null);
    }
}
