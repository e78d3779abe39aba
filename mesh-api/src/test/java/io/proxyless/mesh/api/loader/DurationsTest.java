package io.proxyless.mesh.api.loader;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void istioDurationFormsParse() {
        assertThat(Durations.parse("1s")).contains(Duration.ofSeconds(1));
        assertThat(Durations.parse("0.5s")).contains(Duration.ofMillis(500));
        assertThat(Durations.parse("100ms")).contains(Duration.ofMillis(100));
        assertThat(Durations.parse("1m")).contains(Duration.ofMinutes(1));
        assertThat(Durations.parse("1h")).contains(Duration.ofHours(1));
        assertThat(Durations.parse("1h30m")).contains(Duration.ofMinutes(90));
        assertThat(Durations.parse("1.500s")).contains(Duration.ofMillis(1500));
        assertThat(Durations.parse("250us")).contains(Duration.ofNanos(250_000));
        assertThat(Durations.parse("0")).contains(Duration.ZERO);
        assertThat(Durations.parse("-2s")).contains(Duration.ofSeconds(-2));
    }

    @Test
    void nonDurationsAreRejected() {
        for (String bad : new String[] {"", "s", "1", "10 s", "1x", "1.2.3s", "fast", "1s2", "--1s", "ms"}) {
            assertThat(Durations.parse(bad)).as(bad).isEmpty();
        }
    }

    @Test
    void formatReadsBackExactly() {
        Random random = new Random(42);
        for (int i = 0; i < 10_000; i++) {
            Duration d = Duration.ofSeconds(random.nextInt(100_000), random.nextInt(1_000_000_000));
            String text = Durations.format(d);
            assertThat(Durations.parse(text)).as("seed 42 case %d: %s", i, text).contains(d);
        }
    }

    @Test
    void protoJsonFormUsesMillisecondPrecisionWhenExact() {
        assertThat(Durations.formatProtoJson(Duration.ofMillis(500))).isEqualTo("0.500s");
        assertThat(Durations.formatProtoJson(Duration.ofSeconds(7))).isEqualTo("7s");
        assertThat(Durations.formatProtoJson(Duration.ofNanos(1_500))).isEqualTo("0.000001500s");
    }
}
