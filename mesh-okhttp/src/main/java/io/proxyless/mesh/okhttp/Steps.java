package io.proxyless.mesh.okhttp;

import java.util.concurrent.locks.LockSupport;

/**
 * The engine's steps for the application's thread, which waits for them in {@link MeshCall#execute()}: one taker
 * (that thread), any number of givers (the call's serial executor, on whichever thread runs it). A call hands over
 * two or three steps, most of them while the taker is not waiting yet (the engine runs on its thread), so a queue
 * node per step and a lock with its condition per call would cost more than the steps themselves; so would a
 * general queue object: the steps wait in a small ring of their own, which grows only for a call of many retries.
 * The ring is made only when two steps wait at once (a retry, a timer meeting a response): one waiting step, the
 * usual case, is held in a field, so a plain call makes no array.
 */
final class Steps {
    // Guarded by this: the step not taken yet while no ring is made; else the steps not taken yet, in order from
    // head (a ring), which is kept for the rest of the call once made.
    private Object single;
    private Object[] ring;
    private int head;
    private int size;
    private Thread taker;

    void add(Object step) {
        Thread t;
        synchronized (this) {
            put(step);
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
    private void put(Object step) {
        if (ring == null) {
            if (size == 0) {
                single = step;
                size = 1;
                return;
            }
            ring = new Object[4];
            ring[0] = single; // size is 1: the step already waiting comes first
            single = null;
            head = 0;
        }
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
    }

    // Guarded by this.
    private Object poll() {
        if (size == 0) {
            return null;
        }
        if (ring == null) {
            Object step = single;
            single = null;
            size = 0;
            return step;
        }
        Object step = ring[head];
        ring[head] = null;
        head = (head + 1) % ring.length;
        size--;
        return step;
    }
}
