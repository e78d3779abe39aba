package io.proxyless.mesh.runtime.call;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serial executor of one call (the OkHttp, gRPC and JDK client adapters each make one per call): a task runs
 * at once on the thread that submits it when no other task of the call is running, else it waits behind the
 * ones submitted before it and runs on the thread running those. Tasks run in the order submitted and never two
 * at once, as {@link CallEngine#newCall} requires; a task submitted by a running task runs after it.
 *
 * <pre>{@code
 * Executor serial = new SerialExecutor();
 * RoutedCall call = engine.newCall(request, exchange, serial);
 * serial.execute(call::start); // runs call.start() here and now
 * }</pre>
 *
 * <p>Behaves as Guava's sequential executor over a direct executor, but allocates nothing per task unless tasks
 * overlap: a call runs a handful of tasks, almost always one at a time on the caller's thread, and the wrapper
 * and queue the general executor makes for each would cost more than the tasks. A task that throws an exception
 * is logged and the next one runs; an {@link Error} leaves the remaining tasks for the next submitter.
 */
public final class SerialExecutor implements Executor {
    private static final Logger log = LoggerFactory.getLogger(SerialExecutor.class);

    // Guarded by this. Made when a task first has to wait: overlap is rare (a timer or a body reader meeting the
    // caller's thread).
    private ArrayDeque<Runnable> waiting;
    private boolean running;

    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        synchronized (this) {
            if (running) {
                if (waiting == null) {
                    waiting = new ArrayDeque<>(4);
                }
                waiting.add(task);
                return;
            }
            running = true;
        }
        Runnable next = task;
        try {
            while (next != null) {
                try {
                    next.run();
                } catch (RuntimeException e) {
                    log.error("call task {} failed", next, e);
                }
                synchronized (this) {
                    next = waiting == null ? null : waiting.poll();
                    if (next == null) {
                        running = false;
                    }
                }
            }
        } catch (Error e) {
            synchronized (this) {
                running = false;
            }
            throw e;
        }
    }
}
