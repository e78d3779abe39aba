package io.proxyless.mesh.runtime.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.OutlierDetection;
import io.proxyless.mesh.runtime.health.OutlierDetector.EjectionType;
import io.proxyless.mesh.runtime.registry.Endpoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OutlierDetectorTest {

    private final FakeClock clock = new FakeClock();

    private static List<Endpoint> endpoints(int n) {
        List<Endpoint> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(Endpoint.of("10.0.0." + (i + 1), 8080));
        }
        return List.copyOf(list);
    }

    /** {@code outlierDetection} with the given fields; null means unset. */
    private static OutlierDetection policy(Integer consecutive5xx, Integer gateway, Duration interval,
                                           Duration baseEjectionTime, Integer maxEjectionPercent,
                                           Integer minHealthPercent) {
        return new OutlierDetection(null, null, null, gateway, consecutive5xx, interval, baseEjectionTime,
                maxEjectionPercent, minHealthPercent, List.of());
    }

    private static OutlierDetection maxEjection(int percent) {
        return policy(null, null, null, null, percent, null);
    }

    private OutlierDetector detector(OutlierDetection policy, List<Endpoint> endpoints) {
        OutlierDetector od = OutlierDetector.create(policy, clock);
        od.updateEndpoints(endpoints);
        return od;
    }

    private static void report(OutlierDetector od, Endpoint e, AttemptOutcome outcome, int times) {
        for (int i = 0; i < times; i++) {
            od.report(e, outcome);
        }
    }

    private static void fail5xx(OutlierDetector od, Endpoint e, int times) {
        report(od, e, AttemptOutcome.httpStatus(500), times);
    }

    @Test
    void fiveConsecutive5xxEjectAnEndpointUnderIstioDefaults() {
        List<Endpoint> all = endpoints(10);
        OutlierDetector od = detector(policy(null, null, null, null, null, null), all);

        fail5xx(od, all.get(0), 4);
        assertThat(od.isEjected(all.get(0))).isFalse();

        fail5xx(od, all.get(0), 1);
        assertThat(od.isEjected(all.get(0))).isTrue();
        assertThat(od.healthy(all)).hasSize(9).doesNotContain(all.get(0));
    }

    @Test
    void aSuccessResetsTheConsecutive5xxCount() {
        List<Endpoint> all = endpoints(10);
        OutlierDetector od = detector(policy(null, null, null, null, null, null), all);
        Endpoint e = all.get(3);

        fail5xx(od, e, 4);
        od.report(e, AttemptOutcome.httpStatus(200));
        fail5xx(od, e, 4);
        assertThat(od.isEjected(e)).isFalse();

        fail5xx(od, e, 1);
        assertThat(od.isEjected(e)).isTrue();
    }

    @Test
    void clientErrorsCountAsSuccessesForOutlierDetection() {
        List<Endpoint> all = endpoints(10);
        OutlierDetector od = detector(policy(null, null, null, null, null, null), all);
        Endpoint e = all.get(0);

        fail5xx(od, e, 4);
        od.report(e, AttemptOutcome.httpStatus(404));
        fail5xx(od, e, 4);

        assertThat(od.isEjected(e)).isFalse();
    }

    @Test
    void consecutive5xxErrorsZeroTurnsThe5xxDetectionOff() {
        List<Endpoint> all = endpoints(2);
        OutlierDetector od = detector(policy(0, null, null, null, 100, null), all);

        fail5xx(od, all.get(0), 50);

        assertThat(od.isEjected(all.get(0))).isFalse();
    }

    @Test
    void gatewayErrorsEjectOnlyWhenConsecutiveGatewayErrorsIsSet() {
        List<Endpoint> all = endpoints(2);
        OutlierDetector unset = detector(policy(0, null, null, null, 100, null), all);
        report(unset, all.get(0), AttemptOutcome.httpStatus(503), 50);
        assertThat(unset.isEjected(all.get(0))).isFalse();

        OutlierDetector set = detector(policy(0, 3, null, null, 100, null), all);
        report(set, all.get(0), AttemptOutcome.httpStatus(502), 1);
        report(set, all.get(0), AttemptOutcome.httpStatus(504), 1);
        assertThat(set.isEjected(all.get(0))).isFalse();
        report(set, all.get(0), AttemptOutcome.httpStatus(503), 1);
        assertThat(set.isEjected(all.get(0))).isTrue();
        assertThat(set.snapshot().ejected().get(0).lastEjectionType())
                .isEqualTo(EjectionType.CONSECUTIVE_GATEWAY_FAILURE);
    }

    @Test
    void a500BreaksARunOfGatewayErrors() {
        List<Endpoint> all = endpoints(2);
        OutlierDetector od = detector(policy(0, 3, null, null, 100, null), all);
        Endpoint e = all.get(0);

        report(od, e, AttemptOutcome.httpStatus(503), 2);
        od.report(e, AttemptOutcome.httpStatus(500));
        report(od, e, AttemptOutcome.httpStatus(503), 2);
        assertThat(od.isEjected(e)).isFalse();

        od.report(e, AttemptOutcome.httpStatus(503));
        assertThat(od.isEjected(e)).isTrue();
    }

    @Test
    void gatewayErrorsAlsoCountTowardConsecutive5xx() {
        List<Endpoint> all = endpoints(2);
        OutlierDetector od = detector(policy(5, null, null, null, 100, null), all);

        report(od, all.get(0), AttemptOutcome.httpStatus(503), 3);
        fail5xx(od, all.get(0), 2);

        assertThat(od.isEjected(all.get(0))).isTrue();
        assertThat(od.snapshot().ejected().get(0).lastEjectionType()).isEqualTo(EjectionType.CONSECUTIVE_5XX);
    }

    @Test
    void ejectedEndpointReturnsAtTheFirstSweepAfterBaseEjectionTime() {
        // Istio defaults: sweeps every 10 s from the detector's creation, 30 s ejection.
        List<Endpoint> all = endpoints(2);
        OutlierDetector od = detector(maxEjection(100), all);
        Endpoint e = all.get(0);

        clock.advance(Duration.ofSeconds(3));
        fail5xx(od, e, 5);
        assertThat(od.isEjected(e)).isTrue();

        clock.advance(Duration.ofSeconds(30)); // t = 33 s: ejection time over, but no sweep since 30 s
        assertThat(od.isEjected(e)).isTrue();
        clock.advance(Duration.ofMillis(6_999)); // t = 39.999 s
        assertThat(od.isEjected(e)).isTrue();
        clock.advanceMillis(1); // t = 40 s: sweep
        assertThat(od.isEjected(e)).isFalse();
        assertThat(od.healthy(all)).isSameAs(all);
    }

    @Test
    void ejectionLastsBaseTimesTheNumberOfEjectionsWhileTheEndpointKeepsFailing() {
        List<Endpoint> all = endpoints(2);
        OutlierDetector od = detector(policy(null, null, Duration.ofSeconds(1), Duration.ofSeconds(10), 100, null),
                all);
        Endpoint e = all.get(0);

        clock.advanceMillis(500);
        fail5xx(od, e, 5); // 1st ejection at 0.5 s: 10 s, back at the 11 s sweep
        clock.advanceMillis(10_499);
        assertThat(od.isEjected(e)).isTrue();
        clock.advanceMillis(1);
        assertThat(od.isEjected(e)).isFalse();

        clock.advanceMillis(200);
        fail5xx(od, e, 5); // 2nd at 11.2 s, before any sweep could lower the multiplier: 20 s, back at 32 s
        clock.advanceMillis(20_799);
        assertThat(od.isEjected(e)).isTrue();
        clock.advanceMillis(1);
        assertThat(od.isEjected(e)).isFalse();

        clock.advanceMillis(500);
        fail5xx(od, e, 5); // 3rd at 32.5 s: 30 s, back at 63 s
        clock.advanceMillis(30_499);
        assertThat(od.isEjected(e)).isTrue();
        clock.advanceMillis(1);
        assertThat(od.isEjected(e)).isFalse();

        OutlierDetector.EndpointHealth health = od.snapshot().endpoints().get(0);
        assertThat(health.timesEjected()).isEqualTo(3);
    }

    @Test
    void ejectionMultiplierDecaysOnceTheEndpointSpendsASweepInService() {
        List<Endpoint> all = endpoints(2);
        OutlierDetector od = detector(policy(null, null, Duration.ofSeconds(1), Duration.ofSeconds(10), 100, null),
                all);
        Endpoint e = all.get(0);

        clock.advanceMillis(500);
        fail5xx(od, e, 5);
        clock.advanceMillis(10_500);
        assertThat(od.isEjected(e)).isFalse(); // back at the 11 s sweep
        clock.advanceMillis(1_500); // t = 12.5 s: the 12 s sweep found it in service for a whole interval
        fail5xx(od, e, 5); // so this ejection lasts the base time again: due 22.5 s, back at 23 s

        clock.advanceMillis(10_499);
        assertThat(od.isEjected(e)).isTrue();
        clock.advanceMillis(1);
        assertThat(od.isEjected(e)).isFalse();
    }

    @Test
    void ejectionMultiplierDecaysOverSweepsWorkedOutLazily() {
        List<Endpoint> all = endpoints(2);
        OutlierDetector od = detector(policy(null, null, Duration.ofSeconds(1), Duration.ofSeconds(10), 100, null),
                all);
        Endpoint e = all.get(0);

        clock.advanceMillis(500);
        fail5xx(od, e, 5);
        clock.advanceMillis(11_200); // t = 11.7 s: sweeps at 1..11 s are all worked out now, lazily
        assertThat(od.isEjected(e)).isFalse();
        clock.advanceMillis(10_000); // t = 21.7 s
        fail5xx(od, e, 5); // multiplier back to 0, so 10 s again: due 31.7 s, back at 32 s

        clock.advanceMillis(10_299);
        assertThat(od.isEjected(e)).isTrue();
        clock.advanceMillis(1);
        assertThat(od.isEjected(e)).isFalse();
    }

    @Test
    void ejectionTimeIsCappedAtThreeHundredSecondsOrTheBaseIfLonger() {
        List<Endpoint> all = endpoints(2);
        OutlierDetector od = detector(policy(null, null, Duration.ofSeconds(1), Duration.ofSeconds(200), 100, null),
                all);
        Endpoint e = all.get(0);

        clock.advanceMillis(500);
        fail5xx(od, e, 5); // 200 s, back at 201 s
        clock.advanceMillis(200_500);
        assertThat(od.isEjected(e)).isFalse();
        clock.advanceMillis(200);
        fail5xx(od, e, 5); // 2 × 200 s capped to 300 s: due 501.2 s, back at 502 s

        clock.advanceMillis(300_799);
        assertThat(od.isEjected(e)).isTrue();
        clock.advanceMillis(1);
        assertThat(od.isEjected(e)).isFalse();
    }

    @Test
    void maxEjectionPercentLimitsHowManyEndpointsAreEjected() {
        List<Endpoint> all = endpoints(4);
        OutlierDetector od = detector(maxEjection(50), all);

        fail5xx(od, all.get(0), 5);
        fail5xx(od, all.get(1), 5);
        fail5xx(od, all.get(2), 5); // would make 3 of 4 = 75 % ejected

        assertThat(od.healthy(all)).containsExactly(all.get(2), all.get(3));
        OutlierDetector.Snapshot snapshot = od.snapshot();
        assertThat(snapshot.ejectedCount()).isEqualTo(2);
        assertThat(snapshot.overflow()).isEqualTo(1);
        assertThat(snapshot.enforced().get(EjectionType.CONSECUTIVE_5XX)).isEqualTo(2);
    }

    @Test
    void defaultMaxEjectionPercentEjectsNothingInClustersOfFewerThanTenEndpoints() {
        // Envoy ejects only if (ejected + 1) / endpoints <= 10 %; Istio does not set always_eject_one_host.
        List<Endpoint> three = endpoints(3);
        OutlierDetector small = detector(policy(null, null, null, null, null, null), three);
        fail5xx(small, three.get(0), 25);
        assertThat(small.isEjected(three.get(0))).isFalse();
        assertThat(small.snapshot().overflow()).isEqualTo(5);

        List<Endpoint> ten = endpoints(10);
        OutlierDetector large = detector(policy(null, null, null, null, 0, null), ten); // 0 means the default too
        fail5xx(large, ten.get(0), 5);
        fail5xx(large, ten.get(1), 5);
        assertThat(large.healthy(ten)).hasSize(9).contains(ten.get(1));
    }

    @Test
    void aRefusedEjectionStillResetsTheCountSoTheNextRunMustReachTheThresholdAgain() {
        List<Endpoint> all = endpoints(2);
        OutlierDetector od = detector(maxEjection(50), all);
        Endpoint a = all.get(0);
        Endpoint b = all.get(1);

        fail5xx(od, a, 5); // 1 of 2 = 50 %: allowed
        fail5xx(od, b, 5); // 2 of 2: refused
        assertThat(od.isEjected(b)).isFalse();

        clock.advance(Duration.ofSeconds(30)); // a is back (sweep at 30 s)
        assertThat(od.isEjected(a)).isFalse();
        fail5xx(od, b, 4);
        assertThat(od.isEjected(b)).isFalse();
        fail5xx(od, b, 1);
        assertThat(od.isEjected(b)).isTrue();
    }

    @Test
    void belowMinHealthPercentEveryEndpointIsUsed() {
        List<Endpoint> all = endpoints(4);
        OutlierDetector od = detector(policy(null, null, null, null, 100, 50), all);

        fail5xx(od, all.get(0), 5);
        fail5xx(od, all.get(1), 5);
        assertThat(od.healthy(all)).containsExactly(all.get(2), all.get(3)); // 50 % healthy: not below 50

        fail5xx(od, all.get(2), 5);
        assertThat(od.healthy(all)).isSameAs(all); // 25 % healthy: panic
        assertThat(od.isEjected(all.get(2))).isTrue();
    }

    @Test
    void withoutMinHealthPercentEjectingEveryEndpointLeavesNoHealthyUpstream() {
        List<Endpoint> all = endpoints(2);
        OutlierDetector od = detector(maxEjection(100), all);

        fail5xx(od, all.get(0), 5);
        fail5xx(od, all.get(1), 5);

        assertThat(od.healthy(all)).isEmpty();
    }

    @Test
    void healthyHandsBackTheSameListWithoutAllocatingWhenNothingChanges() {
        List<Endpoint> all = endpoints(4);
        OutlierDetector od = detector(maxEjection(100), all);
        assertThat(od.healthy(all)).isSameAs(all);

        fail5xx(od, all.get(0), 5);
        List<Endpoint> first = od.healthy(all);
        assertThat(od.healthy(all)).isSameAs(first);
        assertThat(first).containsExactly(all.get(1), all.get(2), all.get(3));
    }

    @Test
    void withoutOutlierDetectionNothingIsEverEjected() {
        List<Endpoint> all = endpoints(2);
        OutlierDetector od = OutlierDetector.create(null, clock);

        fail5xx(od, all.get(0), 100);
        report(od, all.get(0), AttemptOutcome.connectFailure(), 100);

        assertThat(od.enabled()).isFalse();
        assertThat(od.isEjected(all.get(0))).isFalse();
        assertThat(od.healthy(all)).isSameAs(all);
        assertThat(od.snapshot().enabled()).isFalse();
    }

    @Test
    void unsplitConnectFailuresResetsAndTimeoutsCountAsGatewayErrors() {
        List<Endpoint> all = endpoints(4);
        OutlierDetector od = detector(policy(0, 3, null, null, 100, null), all);

        report(od, all.get(0), AttemptOutcome.connectFailure(), 3);
        report(od, all.get(1), AttemptOutcome.timeout(), 3);
        od.report(all.get(2), AttemptOutcome.reset());
        od.report(all.get(2), AttemptOutcome.localOriginFailure());
        od.report(all.get(2), AttemptOutcome.httpStatus(502));

        assertThat(od.healthy(all)).containsExactly(all.get(3));
    }

    @Test
    void splitLocalOriginFailuresEjectAfterConsecutiveLocalOriginFailures() {
        List<Endpoint> all = endpoints(4);
        OutlierDetection split = new OutlierDetection(null, true, 3, null, null, null, null, 100, null, List.of());
        OutlierDetector od = detector(split, all);

        report(od, all.get(0), AttemptOutcome.connectFailure(), 3);
        assertThat(od.isEjected(all.get(0))).isTrue();
        assertThat(od.snapshot().ejected().get(0).lastEjectionType())
                .isEqualTo(EjectionType.CONSECUTIVE_LOCAL_ORIGIN_FAILURE);

        // Any response means the connection worked, so it breaks the run of local failures.
        report(od, all.get(1), AttemptOutcome.timeout(), 2);
        od.report(all.get(1), AttemptOutcome.httpStatus(500));
        report(od, all.get(1), AttemptOutcome.reset(), 2);
        assertThat(od.isEjected(all.get(1))).isFalse();

        // 5xx responses still count toward consecutive5xxErrors (5 by default) on their own.
        fail5xx(od, all.get(2), 5);
        assertThat(od.isEjected(all.get(2))).isTrue();
    }

    @Test
    void splitLocalFailuresDoNotCountTowardConsecutive5xx() {
        List<Endpoint> all = endpoints(2);
        OutlierDetection split = new OutlierDetection(null, true, 10, null, 5, null, null, 100, null, List.of());
        OutlierDetector od = detector(split, all);

        report(od, all.get(0), AttemptOutcome.timeout(), 6);
        report(od, all.get(0), AttemptOutcome.connectFailure(), 3);

        assertThat(od.isEjected(all.get(0))).isFalse();
        assertThat(od.snapshot().endpoints().get(0).consecutive5xx()).isZero();
    }

    @Test
    void splitWithoutALocalThresholdUsesEnvoysDefaultOfFive() {
        List<Endpoint> all = endpoints(2);
        OutlierDetection split = new OutlierDetection(null, true, null, null, 0, null, null, 100, null, List.of());
        OutlierDetector od = detector(split, all);

        report(od, all.get(0), AttemptOutcome.connectFailure(), 4);
        assertThat(od.isEjected(all.get(0))).isFalse();
        od.report(all.get(0), AttemptOutcome.connectFailure());
        assertThat(od.isEjected(all.get(0))).isTrue();
    }

    @Test
    void grpcUnavailableInTrailersOnlyResponsesEjectsButErrorsAfterHeadersDoNot() {
        List<Endpoint> all = endpoints(4);
        OutlierDetector od = detector(maxEjection(100), all);

        report(od, all.get(0), AttemptOutcome.grpcStatus("UNAVAILABLE"), 5);
        report(od, all.get(1), AttemptOutcome.grpcStatus("UNAVAILABLE", false), 20);
        report(od, all.get(2), AttemptOutcome.grpcStatus("NOT_FOUND"), 20);

        assertThat(od.healthy(all)).containsExactly(all.get(1), all.get(2), all.get(3));
    }

    @Test
    void outlierDetectionHttpErrorCodesReplaceTheFiveHundredsRule() {
        List<Endpoint> all = endpoints(4);
        OutlierDetection codes = new OutlierDetection(null, null, null, null, null, null, null, 100, null,
                List.of(429));
        OutlierDetector od = detector(codes, all);

        report(od, all.get(0), AttemptOutcome.httpStatus(429), 5);
        fail5xx(od, all.get(1), 20);
        report(od, all.get(2), AttemptOutcome.connectFailure(), 5); // local failures still count as 503

        assertThat(od.healthy(all)).containsExactly(all.get(1), all.get(3));
    }

    @Test
    void reconfigureKeepsEjectionsAndAppliesTheNewThresholds() {
        List<Endpoint> all = endpoints(4);
        OutlierDetector od = detector(maxEjection(100), all);
        fail5xx(od, all.get(0), 5);

        od.reconfigure(policy(2, null, null, null, 100, null));

        assertThat(od.isEjected(all.get(0))).isTrue();
        fail5xx(od, all.get(1), 2);
        assertThat(od.isEjected(all.get(1))).isTrue();
    }

    @Test
    void reconfiguringToNoOutlierDetectionForgetsEjections() {
        List<Endpoint> all = endpoints(2);
        OutlierDetector od = detector(maxEjection(100), all);
        fail5xx(od, all.get(0), 5);

        od.reconfigure(null);
        assertThat(od.healthy(all)).isSameAs(all);

        od.reconfigure(maxEjection(100));
        assertThat(od.isEjected(all.get(0))).isFalse();
        fail5xx(od, all.get(0), 4);
        assertThat(od.isEjected(all.get(0))).isFalse();
    }

    @Test
    void endpointsThatLeaveTheClusterLoseTheirState() {
        List<Endpoint> all = endpoints(3);
        OutlierDetector od = detector(maxEjection(100), all);
        fail5xx(od, all.get(0), 5);
        fail5xx(od, all.get(1), 3);

        od.updateEndpoints(all.subList(1, 3));

        assertThat(od.tracked()).containsExactly(all.get(1));
        assertThat(od.snapshot().ejectedCount()).isZero();
        assertThat(od.snapshot().endpointCount()).isEqualTo(2);
    }

    @Test
    void concurrentFailuresFromEightThreadsEjectTheEndpointExactlyOnce() throws Exception {
        List<Endpoint> all = endpoints(2);
        OutlierDetector od = detector(maxEjection(100), all);
        Endpoint e = all.get(0);
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    fail5xx(od, e, 250);
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(od.isEjected(e)).isTrue();
        assertThat(od.snapshot().enforced().get(EjectionType.CONSECUTIVE_5XX)).isEqualTo(1);
    }

    @Test
    void sweepsKeepTheirScheduleWhenNanoTimeWrapsAround() {
        FakeClock wrapping = new FakeClock(Long.MAX_VALUE - Duration.ofSeconds(5).toNanos());
        List<Endpoint> all = endpoints(2);
        OutlierDetector od = OutlierDetector.create(maxEjection(100), wrapping);
        od.updateEndpoints(all);

        wrapping.advance(Duration.ofSeconds(1));
        fail5xx(od, all.get(0), 5);
        wrapping.advance(Duration.ofMillis(38_999)); // t = 39.999 s, past Long.MAX_VALUE
        assertThat(od.isEjected(all.get(0))).isTrue();
        wrapping.advanceMillis(1);
        assertThat(od.isEjected(all.get(0))).isFalse();
    }

    @Test
    void snapshotShowsEjectedEndpointsWithTheirReturnTimeAndCounts() {
        List<Endpoint> all = endpoints(2);
        OutlierDetector od = detector(maxEjection(100), all);
        clock.advance(Duration.ofSeconds(3));
        fail5xx(od, all.get(1), 5);
        fail5xx(od, all.get(0), 2);
        clock.advance(Duration.ofSeconds(7));

        OutlierDetector.Snapshot snapshot = od.snapshot();

        assertThat(snapshot.enabled()).isTrue();
        assertThat(snapshot.settings().interval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(snapshot.settings().baseEjectionTime()).isEqualTo(Duration.ofSeconds(30));
        assertThat(snapshot.endpoints()).extracting(OutlierDetector.EndpointHealth::endpoint)
                .containsExactly(all.get(1), all.get(0)); // ejected first
        OutlierDetector.EndpointHealth ejected = snapshot.ejected().get(0);
        assertThat(ejected.timesEjected()).isEqualTo(1);
        assertThat(ejected.ejectionMultiplier()).isEqualTo(1);
        assertThat(ejected.remaining()).isEqualTo(Duration.ofSeconds(30)); // returns at the 40 s sweep; now 10 s
        assertThat(snapshot.endpoints().get(1).consecutive5xx()).isEqualTo(2);
        assertThat(snapshot.detected().get(EjectionType.CONSECUTIVE_5XX)).isEqualTo(1);
    }
}
