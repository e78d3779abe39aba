package io.proxyless.mesh.runtime.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.ConnectionPoolSettings;
import io.proxyless.mesh.api.OutlierDetection;
import io.proxyless.mesh.runtime.registry.Endpoint;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClusterHealthTest {

    private static final String REVIEWS_V1 = "outbound|9080|v1|reviews.default.svc.cluster.local";
    private static final String REVIEWS_V2 = "outbound|9080|v2|reviews.default.svc.cluster.local";

    private final FakeClock clock = new FakeClock();
    private final ClusterHealth health = new ClusterHealth(clock);
    private final List<Endpoint> endpoints = List.of(Endpoint.of("10.0.0.1", 9080), Endpoint.of("10.0.0.2", 9080));

    private static OutlierDetection ejectAfter(int errors) {
        return new OutlierDetection(null, null, null, null, errors, null, null, 100, null, List.of());
    }

    private static ConnectionPoolSettings maxRequests(int n) {
        return ConnectionPoolSettings.of(null,
                new ConnectionPoolSettings.HTTPSettings(null, n, null, null, null, null, null, null, null));
    }

    @Test
    void aReloadKeepsTheClustersEjectionsAndInFlightCountsAndAppliesTheNewPolicy() {
        ClusterHealth.Entry before = health.forCluster(REVIEWS_V1, ejectAfter(5), maxRequests(10), endpoints);
        for (int i = 0; i < 5; i++) {
            before.outlier().report(endpoints.get(0), AttemptOutcome.httpStatus(503));
        }
        ConnectionPool.Permit inFlight = before.pool().tryAcquireRequest();

        ClusterHealth.Entry after = health.forCluster(REVIEWS_V1, ejectAfter(3), maxRequests(1), endpoints);

        assertThat(after).isSameAs(before);
        assertThat(after.outlier().isEjected(endpoints.get(0))).isTrue();
        assertThat(after.outlier().settings().consecutive5xxErrors()).isEqualTo(3);
        assertThat(after.pool().tryAcquireRequest().overflow()).isEqualTo(ConnectionPool.Overflow.MAX_REQUESTS);
        inFlight.close();
        assertThat(after.pool().activeRequests()).isZero();
    }

    @Test
    void clustersMissingFromTheNewSnapshotAreDropped() {
        health.forCluster(REVIEWS_V1, null, null);
        health.forCluster(REVIEWS_V2, ejectAfter(5), null);

        Set<String> dropped = health.retain(Set.of(REVIEWS_V1));

        assertThat(dropped).containsExactly(REVIEWS_V2);
        assertThat(health.entries()).containsOnlyKeys(REVIEWS_V1);
        assertThat(health.get(REVIEWS_V2)).isNull();
        ClusterHealth.Entry fresh = health.forCluster(REVIEWS_V2, ejectAfter(5), null);
        assertThat(fresh.outlier().snapshot().endpoints()).isEmpty();
    }

    @Test
    void aClusterWithoutPoliciesGetsADisabledDetectorAndIstiosUnlimitedPool() {
        ClusterHealth.Entry entry = health.forCluster(REVIEWS_V1, null, null);

        assertThat(entry.outlier().enabled()).isFalse();
        assertThat(entry.pool().limits()).isEqualTo(ConnectionPool.Limits.ISTIO_DEFAULT);
    }

    @Test
    void theOutlierAndPoolHalvesConfigureOneSharedEntry() {
        OutlierDetector detector = health.outlier(REVIEWS_V1, ejectAfter(2));
        ConnectionPool pool = health.pool(REVIEWS_V1, maxRequests(4));

        ClusterHealth.Entry entry = health.get(REVIEWS_V1);
        assertThat(entry.outlier()).isSameAs(detector);
        assertThat(entry.pool()).isSameAs(pool);
        assertThat(detector.enabled()).isTrue();
        assertThat(pool.limits().maxRequests()).isEqualTo(4);

        health.outlier(REVIEWS_V1, ejectAfter(2), endpoints);
        assertThat(detector.snapshot().endpointCount()).isEqualTo(2);
    }

    @Test
    void detectorsFollowTheRegistrysClock() {
        ClusterHealth.Entry entry = health.forCluster(REVIEWS_V1, ejectAfter(1), null, endpoints);
        entry.outlier().report(endpoints.get(1), AttemptOutcome.connectFailure());
        assertThat(entry.outlier().isEjected(endpoints.get(1))).isTrue();

        clock.advance(Duration.ofSeconds(30));

        assertThat(entry.outlier().isEjected(endpoints.get(1))).isFalse();
    }
}
