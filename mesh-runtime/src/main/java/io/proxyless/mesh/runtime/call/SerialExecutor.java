package io.proxyless.mesh.runtime.call;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
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
 * overlap: a call runs a handful of tasks (a stream: a few per message), almost always one at a time on the
 * submitting thread, and the wrapper and queue the general executor makes for each would cost more than the tasks.
 * No lock either: an idle executor is taken with one compare-and-set and given back with one write, where two
 * monitors per task cost more, and much more once a stream's sending thread and its transport thread meet on them.
 * A task that throws an exception is logged and the next one runs; an {@link Error} leaves the remaining tasks for
 * the next submitter.
 */
public final class SerialExecutor implements Executor {
    private static final Logger log = LoggerFactory.getLogger(SerialExecutor.class);
    private static final VarHandle RUNNING;
    private static final VarHandle WAITING;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            RUNNING = lookup.findVarHandle(SerialExecutor.class, "running", int.class);
            WAITING = lookup.findVarHandle(SerialExecutor.class, "waiting", ConcurrentLinkedQueue.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    // 1 while a thread runs this executor's tasks. Taking it (0 → 1) and giving it back order the tasks' memory
    // effects, so state that only tasks touch needs no lock of its own.
    private volatile int running;
    // Made when a task first has to wait: overlap is rare (a timer or a body reader meeting the caller's thread).
    private volatile ConcurrentLinkedQueue<Runnable> waiting;

    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (RUNNING.compareAndSet(this, 0, 1)) {
            ConcurrentLinkedQueue<Runnable> q = waiting;
            if (q == null || q.isEmpty()) {
                runHere(task);
            } else {
                q.add(task); // behind tasks submitted before it that the last runner had not reached
                runHere(null);
            }
            return;
        }
        enqueue(task);
    }

    /**
     * Runs {@code task.accept(a, b)} as {@link #execute} runs a task, without making a task object when the
     * executor is idle: for callbacks that come many times per call (a stream's messages), with {@code task} a
     * constant (a lambda that captures nothing, or one made once per call).
     */
    public <A, B> void execute(BiConsumer<? super A, ? super B> task, A a, B b) {
        Objects.requireNonNull(task, "task");
        if (RUNNING.compareAndSet(this, 0, 1)) {
            ConcurrentLinkedQueue<Runnable> q = waiting;
            if (q == null || q.isEmpty()) {
                try {
                    task.accept(a, b);
                } catch (RuntimeException e) {
                    log.error("call task {} failed", task, e);
                } catch (Error e) {
                    RUNNING.setVolatile(this, 0);
                    throw e;
                }
                runHere(null);
            } else {
                q.add(() -> task.accept(a, b));
                runHere(null);
            }
            return;
        }
        enqueue(() -> task.accept(a, b));
    }

    /** Queues a task while another thread runs; takes over if that thread let go meanwhile. */
    private void enqueue(Runnable task) {
        queue().add(task);
        if (RUNNING.compareAndSet(this, 0, 1)) {
            runHere(null);
        }
    }

    private ConcurrentLinkedQueue<Runnable> queue() {
        ConcurrentLinkedQueue<Runnable> q = waiting;
        if (q == null) {
            ConcurrentLinkedQueue<Runnable> made = new ConcurrentLinkedQueue<>();
            q = WAITING.compareAndSet(this, null, made) ? made : waiting;
        }
        return q;
    }

    /** Runs {@code first} (if any) and then every waiting task, holding the executor; gives it back at the end. */
    private void runHere(Runnable first) {
        Runnable next = first;
        try {
            while (true) {
                if (next != null) {
                    try {
                        next.run();
                    } catch (RuntimeException e) {
                        log.error("call task {} failed", next, e);
                    }
                }
                ConcurrentLinkedQueue<Runnable> q = waiting;
                next = q == null ? null : q.poll();
                if (next == null) {
                    RUNNING.setVolatile(this, 0);
                    // A task queued after the poll above but before the release found the executor taken and
                    // left it to this thread: take the executor back for it, unless its submitter already did.
                    q = waiting;
                    if (q == null || q.isEmpty() || !RUNNING.compareAndSet(this, 0, 1)) {
                        return;
                    }
                }
            }
        } catch (Error e) {
            RUNNING.setVolatile(this, 0);
            throw e;
        }
    }
}
