package io.proxyless.mesh.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The hand-off of a call's listener callbacks to the application's executor. */
class CallbackQueueTest {

    @Test
    void callbacksRunInOrderOneAtATimeOnAPoolOfThreads() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            int n = 20_000;
            List<Integer> seen = new ArrayList<>();
            AtomicInteger inside = new AtomicInteger();
            AtomicInteger overlaps = new AtomicInteger();
            CountDownLatch done = new CountDownLatch(1);
            CallbackQueue queue = new CallbackQueue(pool, (kind, a, b) -> {
                if (inside.incrementAndGet() != 1) {
                    overlaps.incrementAndGet();
                }
                seen.add((Integer) a);
                inside.decrementAndGet();
                if ((Integer) a == n - 1) {
                    done.countDown();
                }
            });
            for (int i = 0; i < n; i++) {
                queue.add(1, i, null);
            }
            assertEquals(true, done.await(30, TimeUnit.SECONDS));
            assertEquals(0, overlaps.get());
            for (int i = 0; i < n; i++) {
                assertEquals(i, seen.get(i));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aRefusedDrainLeavesItsCallbackForTheNextDrain() {
        Queue<Runnable> tasks = new ArrayDeque<>();
        boolean[] refuse = {true};
        List<Object> seen = new ArrayList<>();
        CallbackQueue queue = new CallbackQueue(r -> {
            if (refuse[0]) {
                throw new RejectedExecutionException("full");
            }
            tasks.add(r);
        }, (kind, a, b) -> seen.add(a));

        assertThrows(RejectedExecutionException.class, () -> queue.add(0, "headers", null));
        refuse[0] = false;
        queue.add(1, "message", null);
        assertEquals(1, tasks.size()); // one drain for both
        tasks.poll().run();
        assertEquals(List.of("headers", "message"), seen);
    }

    @Test
    void aCallbackThatThrowsDoesNotStrandTheOthers() {
        Queue<Runnable> tasks = new ArrayDeque<>();
        List<Object> seen = new ArrayList<>();
        CallbackQueue queue = new CallbackQueue(tasks::add, (kind, a, b) -> {
            seen.add(a);
            if ("boom".equals(a)) {
                throw new IllegalStateException("listener failed");
            }
        });
        queue.add(0, "boom", null);
        queue.add(3, "close", null);
        assertEquals(1, tasks.size());
        assertThrows(IllegalStateException.class, () -> tasks.poll().run());
        queue.add(1, "later", null); // the next callback schedules a drain that also takes what was left
        assertEquals(1, tasks.size());
        tasks.poll().run();
        assertEquals(List.of("boom", "close", "later"), seen);
    }

    @Test
    void aDrainMeetingAnEmptyQueueGivesTheFlagBack() {
        Queue<Runnable> tasks = new ArrayDeque<>();
        List<Object> seen = new ArrayList<>();
        CallbackQueue queue = new CallbackQueue(tasks::add, (kind, a, b) -> seen.add(kind));
        queue.add(0, null, null);
        tasks.poll().run();
        queue.add(3, null, null);
        assertEquals(1, tasks.size()); // scheduled again: the first drain gave the flag back
        tasks.poll().run();
        assertEquals(List.of(0, 3), seen);
    }
}
