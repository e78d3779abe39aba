package io.proxyless.mesh.runtime.source.file;

import io.proxyless.mesh.runtime.time.MeshClock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Decides when a burst of file changes is over: the action runs once no change has come for the quiet period, and
 * at the latest the maximum delay after the first change of the burst, so that a file rewritten without pause is
 * still picked up. Editors and {@code kubectl} write a file in several steps; reloading after each would load
 * half-written config.
 *
 * <p>Time is the given {@link MeshClock}'s; the action runs on its timer thread and so must only hand the work on.
 * Thread-safe.
 */
final class Debouncer {
    private final MeshClock clock;
    private final long quietNanos;
    private final long maxDelayNanos;
    private final Runnable action;

    private boolean pending;
    private long firstChange;
    private long generation;
    private MeshClock.Timer timer;

    Debouncer(MeshClock clock, Duration quietPeriod, Duration maxDelay, Runnable action) {
        this.clock = clock;
        this.quietNanos = quietPeriod.toNanos();
        this.maxDelayNanos = maxDelay.toNanos();
        this.action = action;
    }

    /** A change was seen: (re)starts the quiet period, never past the maximum delay of the burst. */
    synchronized void changed() {
        long now = clock.nanoTime();
        if (!pending) {
            pending = true;
            firstChange = now;
        }
        long cap = firstChange + maxDelayNanos;
        long due = now + quietNanos - cap > 0 ? cap : now + quietNanos;
        if (timer != null) {
            timer.cancel();
        }
        long gen = ++generation;
        timer = clock.schedule(() -> fire(gen), due - now, TimeUnit.NANOSECONDS);
    }

    /** Whether a change is waiting for its quiet period to end. */
    synchronized boolean pending() {
        return pending;
    }

    /** Drops a pending change. */
    synchronized void cancel() {
        pending = false;
        generation++;
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }

    private void fire(long gen) {
        synchronized (this) {
            // A timer cancelled just as it fell due may still run; only the latest one counts.
            if (gen != generation || !pending) {
                return;
            }
            pending = false;
            timer = null;
        }
        action.run();
    }
}
