package io.proxyless.mesh.runtime.health;

import java.time.Duration;
import java.util.function.LongSupplier;

/** A nanoTime source that only moves when told to, so tests of timed behaviour never sleep. */
final class FakeClock implements LongSupplier {
    private volatile long now;

    FakeClock(long start) {
        this.now = start;
    }

    /** Starts at an arbitrary point: nanoTime has no fixed origin, and code must not assume one. */
    FakeClock() {
        this(7_654_321_000L);
    }

    @Override
    public long getAsLong() {
        return now;
    }

    void advance(Duration d) {
        now += d.toNanos();
    }

    void advanceMillis(long millis) {
        advance(Duration.ofMillis(millis));
    }
}
