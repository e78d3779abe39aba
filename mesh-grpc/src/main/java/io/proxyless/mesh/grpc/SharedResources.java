package io.proxyless.mesh.grpc;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The timer and default callback executor shared by all mesh channels, created with the first channel and shut
 * down with the last (like gRPC's own shared timer and channel executor). Timers run mesh bookkeeping only —
 * fault delays, retry backoff, per-try timeouts, deadlines — never application code.
 */
final class SharedResources {
    private static int users;
    private static ScheduledThreadPoolExecutor timer;
    private static ExecutorService callbacks;

    private SharedResources() {
    }

    /** Takes a reference; pair with {@link #release()}. */
    static synchronized void retain() {
        if (users++ == 0) {
            ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, daemon("mesh-grpc-timer"));
            t.setRemoveOnCancelPolicy(true); // per-try and deadline timers are usually cancelled
            timer = t;
            callbacks = Executors.newCachedThreadPool(daemon("mesh-grpc-callback"));
        }
    }

    static synchronized void release() {
        if (users <= 0) {
            return;
        }
        if (--users == 0) {
            timer.shutdown();
            callbacks.shutdown();
            timer = null;
            callbacks = null;
        }
    }

    static synchronized ScheduledExecutorService timer() {
        if (timer == null) {
            throw new IllegalStateException("mesh-grpc shared resources not retained");
        }
        return timer;
    }

    /** The executor for listener callbacks when neither the channel nor the call names one. */
    static synchronized ExecutorService callbacks() {
        if (callbacks == null) {
            throw new IllegalStateException("mesh-grpc shared resources not retained");
        }
        return callbacks;
    }

    private static ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
