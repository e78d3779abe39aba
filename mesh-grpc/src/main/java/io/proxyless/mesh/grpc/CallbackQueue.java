package io.proxyless.mesh.grpc;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Hands one call's listener callbacks to the application's executor, in the order given and one at a time: the
 * ordering a sequential executor over that executor gives, at one small object per callback. A call that waits
 * for its answer on a blocking stub (grpc's own executor that runs on the waiting thread) hands over three
 * callbacks (headers, message, close); a sequential executor made a queue, a worker and three objects per
 * callback for them, plus a lock shared by the transport thread and the application's thread.
 *
 * <p>Callbacks are added by one thread at a time — the call's serial executor orders them — so the queue's tail
 * needs no atomic update; the drain runs on the application's executor, one drain at a time. The only handshake
 * is the {@code scheduled} flag: the adder links a callback and then schedules a drain unless one is scheduled;
 * the drain clears the flag when it finds nothing and looks once more, so a callback linked meanwhile is never
 * left behind.
 */
final class CallbackQueue implements Runnable {
    /** Calls the listener for one callback (kind and arguments as given to {@link #add}). */
    @FunctionalInterface
    interface Target {
        void call(int kind, Object a, Object b);
    }

    private static final VarHandle SCHEDULED;

    static {
        try {
            SCHEDULED = MethodHandles.lookup().findVarHandle(CallbackQueue.class, "scheduled", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Executor executor;
    private final Target target;
    // The last callback taken by the drain (a stub at first): only the drain reads and moves it.
    private Item head = new Item(0, null, null);
    // The last callback added: only adders, one at a time, touch it.
    private Item tail = head;
    private volatile boolean scheduled;

    CallbackQueue(Executor executor, Target target) {
        this.executor = executor;
        this.target = target;
    }

    /**
     * Queues one callback and makes sure a drain will run it. Called by one thread at a time.
     *
     * @throws RejectedExecutionException when the executor refuses the drain; the callback stays queued and runs
     *                                    with the next one the executor takes
     */
    void add(int kind, Object a, Object b) {
        Item item = new Item(kind, a, b);
        tail.next = item;
        tail = item;
        if (!scheduled && SCHEDULED.compareAndSet(this, false, true)) {
            try {
                executor.execute(this);
            } catch (RuntimeException | Error e) {
                scheduled = false;
                throw e;
            }
        }
    }

    /** The drain: runs the queued callbacks, then gives the flag back. */
    @Override
    public void run() {
        try {
            for (;;) {
                Item next = head.next;
                if (next == null) {
                    scheduled = false;
                    // A callback linked before the flag went down found it up and scheduled nothing: take it here.
                    if (head.next == null || !SCHEDULED.compareAndSet(this, false, true)) {
                        return;
                    }
                    continue;
                }
                head = next;
                Object a = next.a;
                Object b = next.b;
                next.a = null; // the stub now: it must not keep a message alive
                next.b = null;
                target.call(next.kind, a, b);
            }
        } catch (RuntimeException | Error e) {
            scheduled = false; // what is left runs with the next callback
            throw e;
        }
    }

    private static final class Item {
        final int kind;
        Object a;
        Object b;
        volatile Item next;

        Item(int kind, Object a, Object b) {
            this.kind = kind;
            this.a = a;
            this.b = b;
        }
    }
}
