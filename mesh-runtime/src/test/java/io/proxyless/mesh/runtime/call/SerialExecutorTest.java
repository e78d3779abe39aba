package io.proxyless.mesh.runtime.call;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

class SerialExecutorTest {

    @Test
    void aTaskRunsAtOnceOnTheSubmittingThreadWhenNoneIsRunning() {
        SerialExecutor serial = new SerialExecutor();
        List<String> ran = new ArrayList<>();
        Thread caller = Thread.currentThread();
        serial.execute(() -> ran.add("a on caller: " + (Thread.currentThread() == caller)));
        assertThat(ran).containsExactly("a on caller: true");
    }

    @Test
    void aTaskSubmittedByARunningTaskRunsAfterIt() {
        SerialExecutor serial = new SerialExecutor();
        List<String> ran = new ArrayList<>();
        serial.execute(() -> {
            serial.execute(() -> ran.add("inner"));
            serial.execute(() -> ran.add("inner 2"));
            ran.add("outer");
        });
        assertThat(ran).containsExactly("outer", "inner", "inner 2");
    }

    @Test
    void tasksSubmittedWhileAnotherThreadRunsOneWaitAndRunOnThatThreadInOrder() throws Exception {
        SerialExecutor serial = new SerialExecutor();
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> ran = new ArrayList<>();
        Thread runner = new Thread(() -> serial.execute(() -> {
            running.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ran.add("first");
        }));
        runner.start();
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        serial.execute(() -> ran.add("second on runner: " + (Thread.currentThread() == runner)));
        serial.execute(() -> ran.add("third"));
        assertThat(ran).as("queued behind the running task, not run here").isEmpty();
        release.countDown();
        runner.join(10_000);
        assertThat(ran).containsExactly("first", "second on runner: true", "third");
        serial.execute(() -> ran.add("idle again: runs here"));
        assertThat(ran).last().isEqualTo("idle again: runs here");
    }

    @Test
    void aFailingTaskIsLoggedAndTheNextOneRuns() {
        SerialExecutor serial = new SerialExecutor();
        List<String> ran = new ArrayList<>();
        serial.execute(() -> {
            serial.execute(() -> {
                throw new IllegalStateException("task failure for the test");
            });
            serial.execute(() -> ran.add("after the failure"));
        });
        assertThat(ran).containsExactly("after the failure");
    }

    @Test
    void anErrorReachesTheSubmitterAndLeavesTheExecutorUsable() {
        SerialExecutor serial = new SerialExecutor();
        List<String> ran = new ArrayList<>();
        assertThatThrownBy(() -> serial.execute(() -> {
            throw new AssertionError("error for the test");
        })).isInstanceOf(AssertionError.class);
        serial.execute(() -> ran.add("next"));
        assertThat(ran).containsExactly("next");
    }

    @Test
    void aTwoArgumentTaskRunsHereWhenIdleAndWaitsItsTurnOtherwise() {
        SerialExecutor serial = new SerialExecutor();
        List<String> ran = new ArrayList<>();
        BiConsumer<List<String>, String> add = List::add;
        serial.execute(() -> {
            serial.execute(add, ran, "queued");
            ran.add("running");
        });
        serial.execute(add, ran, "idle");
        assertThat(ran).containsExactly("running", "queued", "idle");
    }

    /**
     * Threads submitting at once (as a stream's sending thread, its transport thread and a timer do): tasks never
     * overlap, none is lost, each thread's tasks run in the order it submitted them, and each sees what the task
     * before it wrote without a lock of its own.
     */
    @Test
    void tasksFromManyThreadsRunOneAtATimeInEachThreadsOrder() throws Exception {
        int threads = 4;
        int perThread = 20_000;
        SerialExecutor serial = new SerialExecutor();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        int[] lastSeen = new int[threads];
        int[] outOfOrder = new int[1];
        long[] plainCounter = new long[1]; // touched only by tasks: the executor orders their writes
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    go.await();
                    BiConsumer<Integer, Integer> task = (who, seq) -> {
                        if (inside.incrementAndGet() != 1) {
                            overlaps.incrementAndGet();
                        }
                        if (lastSeen[who] != seq - 1) {
                            outOfOrder[0]++;
                        }
                        lastSeen[who] = seq;
                        plainCounter[0]++;
                        inside.decrementAndGet();
                    };
                    for (int i = 1; i <= perThread; i++) {
                        int seq = i;
                        if (i % 2 == 0) {
                            serial.execute(task, thread, seq);
                        } else {
                            serial.execute(() -> task.accept(thread, seq));
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        long[] total = new long[1];
        serial.execute(() -> total[0] = plainCounter[0]); // idle by now: runs here, after every task
        assertThat(overlaps).hasValue(0);
        assertThat(outOfOrder[0]).isZero();
        assertThat(total[0]).isEqualTo((long) threads * perThread);
    }
}
