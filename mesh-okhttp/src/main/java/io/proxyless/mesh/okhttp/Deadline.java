package io.proxyless.mesh.okhttp;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;

/**
 * A route timeout for one call: when it expires, the call is cancelled (whatever it is doing: connecting,
 * waiting for headers, backing off, streaming the body) and the failure becomes a {@link MeshTimeoutException}.
 * One shared daemon timer thread for all calls; a call that finishes in time removes its task.
 */
final class Deadline {
    private static final ScheduledThreadPoolExecutor TIMER;

    static {
        TIMER = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "mesh-okhttp-timeouts");
            t.setDaemon(true);
            return t;
        });
        TIMER.setRemoveOnCancelPolicy(true);
    }

    private final Duration timeout;
    private final long deadlineNanos;
    private final ScheduledFuture<?> task;
    private volatile boolean fired;

    private Deadline(Call call, Duration timeout) {
        this.timeout = timeout;
        this.deadlineNanos = System.nanoTime() + timeout.toNanos();
        this.task = TIMER.schedule(() -> {
            fired = true;
            call.cancel();
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    static Deadline start(Call call, Duration timeout) {
        return new Deadline(call, timeout);
    }

    Duration timeout() {
        return timeout;
    }

    /** True once the timeout expired and the call was cancelled for it. */
    boolean fired() {
        return fired;
    }

    long remainingNanos() {
        return deadlineNanos - System.nanoTime();
    }

    /** The call is over: the timer is not needed anymore. */
    void cancel() {
        task.cancel(false);
    }
}
