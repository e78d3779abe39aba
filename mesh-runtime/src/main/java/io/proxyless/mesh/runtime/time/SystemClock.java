package io.proxyless.mesh.runtime.time;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * {@link System#nanoTime()} and {@link System#currentTimeMillis()}, with timers on one daemon thread. The thread is
 * a resource of the process, like the JVM's own clock: it holds no config and no state of any mesh, and is started
 * only when a timer is first scheduled.
 */
final class SystemClock implements MeshClock {
    static final SystemClock INSTANCE = new SystemClock();

    private SystemClock() {
    }

    /** Created on first use, so that a mesh that never schedules (a CLI decision) starts no thread. */
    private static final class Holder {
        static final ScheduledThreadPoolExecutor TIMER = timer();

        private static ScheduledThreadPoolExecutor timer() {
            ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
                Thread thread = new Thread(r, "mesh-timer");
                thread.setDaemon(true);
                return thread;
            });
            // Cancelled timers (most route deadlines are cancelled) must not pile up in the queue.
            t.setRemoveOnCancelPolicy(true);
            return t;
        }
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public long currentTimeMillis() {
        return System.currentTimeMillis();
    }

    @Override
    public Timer schedule(Runnable task, long delay, TimeUnit unit) {
        ScheduledFuture<?> f = Holder.TIMER.schedule(task, Math.max(0, delay), unit);
        return () -> f.cancel(false);
    }

    @Override
    public String toString() {
        return "MeshClock.system()";
    }
}
