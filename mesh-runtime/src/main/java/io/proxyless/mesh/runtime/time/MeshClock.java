package io.proxyless.mesh.runtime.time;

import java.util.concurrent.TimeUnit;

/**
 * The one source of time for a {@code Mesh}: route deadlines, retry backoff, outlier detection, slow start, the
 * file source's debounce and the xDS timers all read it, so that tests drive time with a fake clock instead of
 * waiting on the wall clock and asserting windows.
 *
 * <p>{@link #nanoTime()} is monotonic (compare readings by signed difference, as with {@link System#nanoTime()});
 * {@link #currentTimeMillis()} is wall-clock time, used only for timestamps that people read (config dumps, logs).
 */
public interface MeshClock {
    /** Monotonic time in nanoseconds, with an arbitrary origin. */
    long nanoTime();

    /** Wall-clock time in milliseconds since the epoch. */
    long currentTimeMillis();

    /**
     * Runs {@code task} once, {@code delay} from now on this clock. The task must be short or hand its work to an
     * executor of its own: every task of a clock shares one timer thread (the system clock) or the thread that
     * advances time (a fake clock).
     */
    Timer schedule(Runnable task, long delay, TimeUnit unit);

    /** A scheduled task. */
    interface Timer {
        /** Cancels the task if it has not run yet; harmless afterwards. */
        void cancel();
    }

    /** The JVM's clocks, with one daemon timer thread started on first use. */
    static MeshClock system() {
        return SystemClock.INSTANCE;
    }
}
