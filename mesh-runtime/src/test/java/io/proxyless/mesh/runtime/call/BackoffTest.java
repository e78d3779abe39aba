package io.proxyless.mesh.runtime.call;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void intervalsDoubleFrom25msAndStopAtTenTimesTheBase() {
        Backoff b = Backoff.envoy(null);
        assertThat(b.base()).isEqualTo(Duration.ofMillis(25));
        assertThat(b.max()).isEqualTo(Duration.ofMillis(250));
        long[] expected = {25, 50, 100, 200, 250, 250, 250};
        for (int retry = 1; retry <= expected.length; retry++) {
            assertThat(b.interval(retry).toMillis()).as("retry %d", retry).isEqualTo(expected[retry - 1]);
        }
        assertThat(b.interval(1_000_000).toMillis()).as("no overflow").isEqualTo(250);
    }

    @Test
    void delaysAreFullyJitteredWithinTheInterval() {
        // Property: for many seeds and retry numbers, 0 <= delay < interval, and both ends are approached.
        for (long seed = 1; seed <= 200; seed++) {
            Random random = new Random(seed);
            Backoff b = Backoff.envoy(Duration.ofMillis(1 + random.nextInt(100)));
            long min = Long.MAX_VALUE;
            long max = 0;
            for (int i = 0; i < 200; i++) {
                int retry = 1 + random.nextInt(8);
                long delay = b.delay(retry, random).toMillis();
                long interval = b.interval(retry).toMillis();
                assertThat(delay).as("seed %d base %s retry %d", seed, b.base(), retry)
                        .isGreaterThanOrEqualTo(0).isLessThan(interval);
                min = Math.min(min, delay);
                max = Math.max(max, delay * 100 / interval);
            }
            assertThat(min).as("seed %d: full jitter reaches near 0", seed).isLessThan(b.base().toMillis() / 2 + 1);
        }
    }

    @Test
    void istioBackoffSetsTheBase() {
        Backoff b = Backoff.envoy(Duration.ofMillis(100));
        assertThat(b.interval(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(b.max()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void subMillisecondBasesRoundUpToOneMillisecond() {
        Backoff b = Backoff.envoy(Duration.ofNanos(10));
        assertThat(b.base()).isEqualTo(Duration.ofMillis(1));
        assertThat(b.delay(1, new Random(7))).isEqualTo(Duration.ZERO);
    }
}
