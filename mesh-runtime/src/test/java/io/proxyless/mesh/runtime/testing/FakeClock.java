package io.proxyless.mesh.runtime.testing;

import io.proxyless.mesh.runtime.time.MeshClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link MeshClock} that moves only when a test advances it. Timers due by the new time run on the advancing
 * thread, in due order (ties in scheduling order), each seeing the clock at its own due time; a timer scheduled
 * by a running timer runs in the same advance if it falls due within it. Thread-safe.
 */
public final class FakeClock implements MeshClock {
    private static final long EPOCH_MILLIS = 1_767_225_600_000L; // 2026-01-01T00:00:00Z, a readable start

    private final PriorityQueue<Task> queue = new PriorityQueue<>();
    private long nanos;
    private long sequence;

    @Override
    public synchronized long nanoTime() {
        return nanos;
    }

    @Override
    public synchronized long currentTimeMillis() {
        return EPOCH_MILLIS + TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    @Override
    public synchronized Timer schedule(Runnable task, long delay, TimeUnit unit) {
        Task t = new Task(nanos + Math.max(0, unit.toNanos(delay)), sequence++, task);
        queue.add(t);
        return () -> {
            synchronized (FakeClock.this) {
                queue.remove(t);
            }
        };
    }

    /** Moves time forward by {@code d}, running every timer that falls due on the way. */
    public void advance(Duration d) {
        advance(d.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Moves time forward by {@code amount}, running every timer that falls due on the way. */
    public void advance(long amount, TimeUnit unit) {
        long target;
        synchronized (this) {
            target = nanos + unit.toNanos(amount);
        }
        while (true) {
            Task next;
            synchronized (this) {
                next = queue.peek();
                if (next == null || next.due - target > 0) {
                    nanos = target;
                    return;
                }
                queue.poll();
                nanos = Math.max(nanos, next.due);
            }
            next.task.run(); // outside the lock: a task may schedule or read the clock
        }
    }

    /** Timers scheduled and not yet run or cancelled. */
    public synchronized int pendingTimers() {
        return queue.size();
    }

    /** Due times (nanos from the clock's origin) of the pending timers, soonest first. */
    public synchronized List<Long> pendingDueTimes() {
        List<Long> due = new ArrayList<>();
        queue.stream().sorted().forEach(t -> due.add(t.due));
        return due;
    }

    private record Task(long due, long seq, Runnable task) implements Comparable<Task> {
        @Override
        public int compareTo(Task o) {
            int c = Long.compare(due, o.due);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }
}
