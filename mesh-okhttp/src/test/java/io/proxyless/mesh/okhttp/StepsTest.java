package io.proxyless.mesh.okhttp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StepsTest {

    @Test
    void stepsComeOutInOrderWhenTheRingWrapsAndGrows() throws InterruptedException {
        Steps steps = new Steps();
        int next = 0;
        int expected = 0;
        // Take some first, so that the ring wraps before it grows.
        for (int i = 0; i < 3; i++) {
            steps.add(next++);
        }
        for (int i = 0; i < 2; i++) {
            assertThat(steps.take()).isEqualTo(expected++);
        }
        for (int i = 0; i < 20; i++) {
            steps.add(next++);
        }
        while (expected < next) {
            assertThat(steps.take()).isEqualTo(expected++);
        }
    }

    @Test
    void oneStepAtATimeThenTwoWaitingKeepTheirOrder() throws InterruptedException {
        Steps steps = new Steps();
        steps.add("attempt");
        assertThat(steps.take()).isEqualTo("attempt");
        steps.add("response");
        steps.add("timer"); // a second step while one waits: the ring takes over, the waiting one first
        steps.add("end");
        assertThat(steps.take()).isEqualTo("response");
        assertThat(steps.take()).isEqualTo("timer");
        steps.add("retry");
        assertThat(steps.take()).isEqualTo("end");
        assertThat(steps.take()).isEqualTo("retry");
    }

    @Test
    void aStepAddedFromAnotherThreadWakesTheTaker() throws InterruptedException {
        Steps steps = new Steps();
        Thread giver = new Thread(() -> steps.add("step"));
        giver.start();
        assertThat(steps.take()).isEqualTo("step");
        giver.join();
    }
}
