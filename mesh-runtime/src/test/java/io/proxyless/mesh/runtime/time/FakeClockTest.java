package io.proxyless.mesh.runtime.time;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.runtime.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FakeClockTest {
    @Test
    void timersRunInDueOrderAtTheirOwnTimeAndOnlyWhenDue() {
        FakeClock clock = new FakeClock();
        List<String> ran = new ArrayList<>();
        clock.schedule(() -> ran.add("b@" + clock.nanoTime()), 20, TimeUnit.NANOSECONDS);
        clock.schedule(() -> ran.add("a@" + clock.nanoTime()), 10, TimeUnit.NANOSECONDS);
        MeshClock.Timer cancelled = clock.schedule(() -> ran.add("never"), 15, TimeUnit.NANOSECONDS);
        cancelled.cancel();

        clock.advance(9, TimeUnit.NANOSECONDS);
        assertThat(ran).isEmpty();
        clock.advance(Duration.ofNanos(11));
        assertThat(ran).containsExactly("a@10", "b@20");
        assertThat(clock.pendingTimers()).isZero();
    }

    @Test
    void aTimerScheduledByATimerRunsInTheSameAdvanceWhenItFallsDue() {
        FakeClock clock = new FakeClock();
        List<Long> ran = new ArrayList<>();
        clock.schedule(() -> {
            ran.add(clock.nanoTime());
            clock.schedule(() -> ran.add(clock.nanoTime()), 5, TimeUnit.NANOSECONDS);
        }, 5, TimeUnit.NANOSECONDS);
        clock.advance(12, TimeUnit.NANOSECONDS);
        assertThat(ran).containsExactly(5L, 10L);
        assertThat(clock.nanoTime()).isEqualTo(12);
    }
}
