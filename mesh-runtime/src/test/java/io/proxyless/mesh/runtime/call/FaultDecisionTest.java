package io.proxyless.mesh.runtime.call;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.runtime.routing.FaultPolicy;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FaultDecisionTest {

    @Test
    void hundredPercentAlwaysDelaysAndAborts() {
        FaultPolicy p = new FaultPolicy(Duration.ofMillis(5), 100, 503, null, 100);
        Random r = new Random(1);
        for (int i = 0; i < 100; i++) {
            FaultDecision d = FaultDecision.decide(p, r);
            assertThat(d.delays()).isTrue();
            assertThat(d.delay()).isEqualTo(Duration.ofMillis(5));
            assertThat(d.httpStatus()).isEqualTo(503);
        }
    }

    @Test
    void zeroPercentNeverFires() {
        FaultPolicy p = new FaultPolicy(Duration.ofMillis(5), 0, 503, null, 0);
        Random r = new Random(2);
        for (int i = 0; i < 1000; i++) {
            assertThat(FaultDecision.decide(p, r)).isSameAs(FaultDecision.NONE);
        }
    }

    @Test
    void percentagesAreHonouredIndependently() {
        for (long seed = 1; seed <= 5; seed++) {
            Random r = new Random(seed);
            FaultPolicy p = new FaultPolicy(Duration.ofMillis(1), 30, 500, null, 10);
            int delays = 0;
            int aborts = 0;
            int both = 0;
            int n = 20_000;
            for (int i = 0; i < n; i++) {
                FaultDecision d = FaultDecision.decide(p, r);
                delays += d.delays() ? 1 : 0;
                aborts += d.aborts() ? 1 : 0;
                both += d.delays() && d.aborts() ? 1 : 0;
            }
            assertThat(delays / (double) n).as("seed %d delay share", seed).isBetween(0.28, 0.32);
            assertThat(aborts / (double) n).as("seed %d abort share", seed).isBetween(0.09, 0.11);
            assertThat(both / (double) n).as("seed %d independent draws", seed).isBetween(0.025, 0.035);
        }
    }

    @Test
    void noPolicyNoFault() {
        assertThat(FaultDecision.decide(null, new Random(3))).isSameAs(FaultDecision.NONE);
    }

    @Test
    void grpcAbortNamesMapToCodes() {
        assertThat(new FaultDecision(null, null, "UNAVAILABLE").grpcCode()).isEqualTo(14);
        assertThat(new FaultDecision(null, null, "unavailable").grpcCode()).isEqualTo(14);
        assertThat(new FaultDecision(null, null, "8").grpcCode()).isEqualTo(8);
        assertThat(new FaultDecision(null, null, "NOPE").grpcCode()).isEqualTo(-1);
        assertThat(new FaultDecision(null, 503, null).grpcCode()).isEqualTo(-1);
    }
}
