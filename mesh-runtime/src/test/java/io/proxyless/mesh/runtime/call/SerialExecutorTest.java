package io.proxyless.mesh.runtime.call;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
}
