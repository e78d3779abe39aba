package io.proxyless.mesh.grpc;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in submission order, on a delegate executor: how a call's listener callbacks are
 * delivered (gRPC promises a listener never sees two callbacks at once), whatever thread produced them.
 */
final class SerializingExecutor implements Executor {
    private static final Logger log = LoggerFactory.getLogger(SerializingExecutor.class);

    private final Executor delegate;
    private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean();

    SerializingExecutor(Executor delegate) {
        this.delegate = delegate;
    }

    @Override
    public void execute(Runnable task) {
        queue.add(task);
        schedule();
    }

    private void schedule() {
        if (running.compareAndSet(false, true)) {
            try {
                delegate.execute(this::drain);
            } catch (RuntimeException e) {
                // e.g. a rejected execution after the caller's executor shut down: nobody is left to call back
                queue.clear();
                running.set(false);
                throw e;
            }
        }
    }

    private void drain() {
        try {
            Runnable task;
            while ((task = queue.poll()) != null) {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.error("exception in gRPC call listener", e);
                }
            }
        } finally {
            running.set(false);
        }
        if (!queue.isEmpty()) {
            schedule(); // a task arrived between the last poll and the reset
        }
    }
}
