package io.proxyless.mesh.okhttp;

import java.util.concurrent.locks.LockSupport;

/**
 * The engine's steps for the application's thread, which waits for them in {@link MeshCall#execute()}: one taker
 * (that thread), any number of givers (the call's serial executor, on whichever thread runs it). A call hands over
 * two or three steps, most of them while the taker is not waiting yet (the engine runs on its thread), so a queue
 * node per step and a lock with its condition per call would cost more than the steps themselves; so would a
 * general queue object: the steps wait in a small ring of their own, which grows only for a call of many retries.
 */
final class Steps {
    // Guarded by this: the steps not taken yet, in order from head (a ring).
    private Object[] ring = new Object[4];
    private int head;
    private int size;
    private Thread taker;

    void add(Object step) {
        Thread t;
        synchronized (this) {
            if (size == ring.length) {
                Object[] grown = new Object[size * 2];
                // The ring is full, so its order is head..end, then 0..head-1: lay it out from 0.
                System.arraycopy(ring, head, grown, 0, size - head);
                System.arraycopy(ring, 0, grown, size - head, head);
                ring = grown;
                head = 0;
            }
            ring[(head + size) % ring.length] = step;
            size++;
            t = taker;
        }
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /** The next step, waiting for it; {@link InterruptedException} when the thread is interrupted while it waits. */
    Object take() throws InterruptedException {
        synchronized (this) {
            Object step = poll();
            if (step != null) {
                return step;
            }
            taker = Thread.currentThread();
        }
        while (true) {
            LockSupport.park(this);
            synchronized (this) {
                Object step = poll();
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

    // Guarded by this.
    private Object poll() {
        if (size == 0) {
            return null;
        }
        Object step = ring[head];
        ring[head] = null;
        head = (head + 1) % ring.length;
        size--;
        return step;
    }
}
