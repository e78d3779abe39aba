package io.proxyless.mesh.runtime.source.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.runtime.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The file source's debounce (150 ms quiet period, 1.5 s at most) on a fake clock. */
class DebouncerTest {
    private final FakeClock clock = new FakeClock();
    private final List<Long> firedAtMillis = new ArrayList<>();
    private final Debouncer debouncer = new Debouncer(clock, Duration.ofMillis(150), Duration.ofMillis(1500),
            () -> firedAtMillis.add(clock.nanoTime() / 1_000_000));

    private void advanceMillis(long millis) {
        clock.advance(Duration.ofMillis(millis));
    }

    @Test
    void oneChangeFiresOnceTheQuietPeriodHasPassed() {
        debouncer.changed();

        advanceMillis(149);
        assertThat(firedAtMillis).isEmpty();
        assertThat(debouncer.pending()).isTrue();

        advanceMillis(1);
        assertThat(firedAtMillis).containsExactly(150L);
        assertThat(debouncer.pending()).isFalse();
        assertThat(clock.pendingTimers()).isZero();
    }

    @Test
    void aBurstOfChangesFiresOnceAfterTheLastOne() {
        for (int i = 0; i < 20; i++) {
            debouncer.changed();
            advanceMillis(10);
        }
        // The last change was at 190 ms.
        advanceMillis(1000);

        assertThat(firedAtMillis).containsExactly(340L);
    }

    @Test
    void changesWithoutPauseFireAtTheMaximumDelayAndThenStartANewBurst() {
        for (int i = 0; i < 40; i++) { // one change every 100 ms for 4 s: never quiet for 150 ms
            debouncer.changed();
            advanceMillis(100);
        }
        advanceMillis(1000);

        // 1.5 s after the first change of each burst, then 150 ms after the very last change (3.9 s).
        assertThat(firedAtMillis).containsExactly(1500L, 3000L, 4050L);
    }

    @Test
    void aCancelledChangeNeverFires() {
        debouncer.changed();
        debouncer.cancel();

        advanceMillis(5000);

        assertThat(firedAtMillis).isEmpty();
        assertThat(clock.pendingTimers()).isZero();
    }
}
