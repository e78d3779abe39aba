package io.proxyless.mesh.runtime.call;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.runtime.health.AttemptOutcome;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.testing.FakeClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MirrorBackoffTest {
    private final FakeClock clock = new FakeClock();
    private final MirrorBackoff backoff = new MirrorBackoff(clock);
    private final Endpoint dead = Endpoint.of("10.0.0.1", 8080);
    private final Endpoint other = Endpoint.of("10.0.0.2", 8080);

    @Test
    void aRefusedCopyBacksItsEndpointOffAndAProbeFollowsEachBackoff() {
        assertThat(backoff.refusal(dead)).isNull();
        backoff.finished(dead, AttemptOutcome.connectFailure());
        assertThat(backoff.refusal(dead)).contains("10.0.0.1:8080").contains("backing off after 1 failed copy");
        assertThat(backoff.refusal(other)).as("only that endpoint").isNull();

        clock.advance(Duration.ofMillis(999));
        assertThat(backoff.refusal(dead)).isNotNull();
        clock.advance(Duration.ofMillis(1));
        assertThat(backoff.refusal(dead)).as("the probe").isNull();
        assertThat(backoff.refusal(dead)).as("one probe at a time").isNotNull();

        backoff.finished(dead, AttemptOutcome.timeout());
        clock.advance(Duration.ofSeconds(1));
        assertThat(backoff.refusal(dead)).as("doubled to 2 s").contains("after 2 failed copies");
        clock.advance(Duration.ofSeconds(1));
        assertThat(backoff.refusal(dead)).isNull();
        backoff.finished(dead, AttemptOutcome.httpStatus(503));
        assertThat(backoff.refusal(dead)).as("any response ends the backoff").isNull();
        assertThat(backoff.refusal(dead)).isNull();
    }

    @Test
    void anAbandonedProbeLeavesTheNextCopyToProbe() {
        backoff.finished(dead, AttemptOutcome.connectFailure());
        clock.advance(MirrorBackoff.BASE);
        assertThat(backoff.refusal(dead)).isNull();
        backoff.abandoned(dead);
        assertThat(backoff.refusal(dead)).isNull();
    }

    @Test
    void theBackoffDoublesUpToItsMaximumAndResetsOnlyOnAResponse() {
        assertThat(MirrorBackoff.backoffNanos(1)).isEqualTo(Duration.ofSeconds(1).toNanos());
        assertThat(MirrorBackoff.backoffNanos(3)).isEqualTo(Duration.ofSeconds(4).toNanos());
        assertThat(MirrorBackoff.backoffNanos(6)).isEqualTo(MirrorBackoff.MAX.toNanos());
        assertThat(MirrorBackoff.backoffNanos(100)).isEqualTo(MirrorBackoff.MAX.toNanos());
        backoff.finished(dead, AttemptOutcome.reset());
        assertThat(backoff.refusal(dead)).as("a reset after connecting is not a dead endpoint").isNull();
    }
}
