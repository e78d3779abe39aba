package io.proxyless.mesh.runtime.balancing;

import static io.proxyless.mesh.runtime.balancing.Fixtures.context;
import static io.proxyless.mesh.runtime.balancing.Fixtures.endpoints;
import static io.proxyless.mesh.runtime.balancing.Fixtures.tally;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import io.proxyless.mesh.api.LoadBalancerSettings;
import io.proxyless.mesh.api.LoadBalancerSettings.SimpleLB;
import io.proxyless.mesh.api.WarmupConfiguration;
import io.proxyless.mesh.runtime.registry.Endpoint;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WarmupTest {

    private static final List<Endpoint> OLD = endpoints(2);
    private static final List<Endpoint> WITH_NEW = endpoints(3);
    private static final Endpoint NEW = WITH_NEW.get(2);

    private static LoadBalancerSettings warmup(SimpleLB simple, WarmupConfiguration warmup) {
        return new LoadBalancerSettings(simple, null, null, null, null, warmup);
    }

    /** Share of picks the new endpoint gets from a balancer built now. */
    private static double newShare(LoadBalancerSettings settings, EndpointTracker tracker) {
        LoadBalancer lb = LoadBalancers.create(settings, WITH_NEW, null, tracker);
        Map<Endpoint, Integer> counts = tally(lb, WITH_NEW, context(new Random(1)), 10_000);
        return counts.getOrDefault(NEW, 0) / 10_000.0;
    }

    private static double expectedShare(double factor) {
        return factor / (2 + factor);
    }

    @Test
    void newEndpointStartsAtMinimumPercentAndRampsUpLinearly() {
        Fixtures.ManualClock clock = new Fixtures.ManualClock();
        EndpointTracker tracker = new EndpointTracker(clock);
        LoadBalancerSettings settings = warmup(SimpleLB.ROUND_ROBIN, WarmupConfiguration.of(Duration.ofSeconds(100)));
        LoadBalancers.create(settings, OLD, null, tracker); // first snapshot: already serving, so warm
        LoadBalancers.create(settings, WITH_NEW, null, tracker); // the new endpoint is first seen now

        assertThat(newShare(settings, tracker)).isCloseTo(expectedShare(0.10), offset(0.01));
        clock.advanceSeconds(50);
        assertThat(newShare(settings, tracker)).isCloseTo(expectedShare(0.50), offset(0.01));
        clock.advanceSeconds(25);
        assertThat(newShare(settings, tracker)).isCloseTo(expectedShare(0.75), offset(0.01));
        clock.advanceSeconds(25);
        assertThat(newShare(settings, tracker)).isCloseTo(1 / 3.0, offset(0.001));
    }

    @Test
    void sameBalancerRampsAsTimePasses() {
        Fixtures.ManualClock clock = new Fixtures.ManualClock();
        EndpointTracker tracker = new EndpointTracker(clock);
        LoadBalancerSettings settings = warmup(SimpleLB.ROUND_ROBIN, WarmupConfiguration.of(Duration.ofSeconds(10)));
        LoadBalancers.create(settings, OLD, null, tracker);
        LoadBalancer lb = LoadBalancers.create(settings, WITH_NEW, null, tracker);
        Random random = new Random(2);
        double early = tally(lb, WITH_NEW, context(random), 3000).getOrDefault(NEW, 0) / 3000.0;
        clock.advanceSeconds(11);
        double late = tally(lb, WITH_NEW, context(random), 3000).getOrDefault(NEW, 0) / 3000.0;
        assertThat(early).isLessThan(0.1);
        assertThat(late).isCloseTo(1 / 3.0, offset(0.01));
    }

    @Test
    void deprecatedWarmupDurationSecsTakesEnvoyDefaults() {
        Fixtures.ManualClock clock = new Fixtures.ManualClock();
        EndpointTracker tracker = new EndpointTracker(clock);
        LoadBalancerSettings settings = new LoadBalancerSettings(SimpleLB.ROUND_ROBIN, null, null, null,
                Duration.ofSeconds(100), null);
        LoadBalancers.create(settings, OLD, null, tracker);
        LoadBalancers.create(settings, WITH_NEW, null, tracker);
        clock.advanceSeconds(30);
        assertThat(newShare(settings, tracker)).isCloseTo(expectedShare(0.30), offset(0.01));
    }

    @Test
    void higherAggressionRampsUpFaster() {
        Fixtures.ManualClock clock = new Fixtures.ManualClock();
        EndpointTracker tracker = new EndpointTracker(clock);
        LoadBalancerSettings settings = warmup(SimpleLB.ROUND_ROBIN,
                new WarmupConfiguration(Duration.ofSeconds(100), 0.0, 2.0));
        LoadBalancers.create(settings, OLD, null, tracker);
        LoadBalancers.create(settings, WITH_NEW, null, tracker);
        clock.advanceSeconds(25);
        // (25 / 100) ^ (1 / 2) = 0.5
        assertThat(newShare(settings, tracker)).isCloseTo(expectedShare(0.5), offset(0.01));
    }

    @Test
    void endpointsOfTheFirstSnapshotAreNotWarmedUp() {
        EndpointTracker tracker = new EndpointTracker(new Fixtures.ManualClock());
        LoadBalancerSettings settings = warmup(SimpleLB.ROUND_ROBIN, WarmupConfiguration.of(Duration.ofSeconds(100)));
        assertThat(newShare(settings, tracker)).isCloseTo(1 / 3.0, offset(0.001));
    }

    @Test
    void leastRequestWarmsUpNewEndpointsToo() {
        Fixtures.ManualClock clock = new Fixtures.ManualClock();
        EndpointTracker tracker = new EndpointTracker(clock);
        LoadBalancerSettings settings = warmup(SimpleLB.LEAST_REQUEST, WarmupConfiguration.of(Duration.ofSeconds(100)));
        LoadBalancers.create(settings, OLD, null, tracker);
        LoadBalancers.create(settings, WITH_NEW, null, tracker);
        clock.advanceSeconds(50);
        assertThat(newShare(settings, tracker)).isCloseTo(expectedShare(0.5), offset(0.01));
    }

    @Test
    void randomIgnoresWarmupAsIstioOnlyConfiguresItForRoundRobinAndLeastRequest() {
        Fixtures.ManualClock clock = new Fixtures.ManualClock();
        EndpointTracker tracker = new EndpointTracker(clock);
        LoadBalancerSettings settings = warmup(SimpleLB.RANDOM, WarmupConfiguration.of(Duration.ofSeconds(100)));
        LoadBalancers.create(settings, OLD, null, tracker);
        LoadBalancers.create(settings, WITH_NEW, null, tracker);
        assertThat(newShare(settings, tracker)).isCloseTo(1 / 3.0, offset(0.03));
    }

    @Test
    void endpointThatLeftAndCameBackWarmsUpAgain() {
        Fixtures.ManualClock clock = new Fixtures.ManualClock();
        EndpointTracker tracker = new EndpointTracker(clock);
        LoadBalancerSettings settings = warmup(SimpleLB.ROUND_ROBIN, WarmupConfiguration.of(Duration.ofSeconds(100)));
        LoadBalancers.create(settings, WITH_NEW, null, tracker);
        clock.advanceSeconds(500);
        LoadBalancers.create(settings, OLD, null, tracker);
        LoadBalancers.create(settings, WITH_NEW, null, tracker);
        assertThat(newShare(settings, tracker)).isCloseTo(expectedShare(0.10), offset(0.01));
    }
}
