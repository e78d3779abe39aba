package io.proxyless.mesh.okhttp;

import java.util.ArrayDeque;
import java.util.concurrent.locks.LockSupport;

/**
 * The engine's steps for the application's thread, which waits for them in {@link MeshCall#execute()}: one taker
 * (that thread), any number of givers (the call's serial executor, on whichever thread runs it). A call hands over
 * two or three steps, most of them while the taker is not waiting yet (the engine runs on its thread), so a queue
 * node per step and a lock with its condition per call would cost more than the steps themselves.
 */
final class Steps {
    // Guarded by this.
    private final ArrayDeque<Object> queue = new ArrayDeque<>(4);
    private Thread taker;

    void add(Object step) {
        Thread t;
        synchronized (this) {
            queue.add(step);
            t = taker;
        }
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /** The next step, waiting for it; {@link InterruptedException} when the thread is interrupted while it waits. */
    Object take() throws InterruptedException {
        synchronized (this) {
            Object step = queue.poll();
            if (step != null) {
                return step;
            }
            taker = Thread.currentThread();
        }
        while (true) {
            LockSupport.park(this);
            synchronized (this) {
                Object step = queue.poll();
                if (step != null) {
                    taker = null;
                    return step;
                }
                if (Thread.interrupted()) {
                    taker = null;
                    throw new InterruptedException();
                }
            }
        }
    }
}
