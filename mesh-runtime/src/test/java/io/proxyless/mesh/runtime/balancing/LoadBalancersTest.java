package io.proxyless.mesh.runtime.balancing;

import static io.proxyless.mesh.runtime.balancing.Fixtures.context;
import static io.proxyless.mesh.runtime.balancing.Fixtures.endpoints;
import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.LoadBalancerSettings;
import io.proxyless.mesh.api.LoadBalancerSettings.ConsistentHashLB;
import io.proxyless.mesh.api.LoadBalancerSettings.ConsistentHashLB.MagLev;
import io.proxyless.mesh.api.LoadBalancerSettings.ConsistentHashLB.RingHash;
import io.proxyless.mesh.api.LoadBalancerSettings.SimpleLB;
import io.proxyless.mesh.runtime.registry.Endpoint;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LoadBalancersTest {

    private static final List<Endpoint> ENDPOINTS = endpoints(3);

    private static String policyOf(LoadBalancerSettings settings) {
        return LoadBalancers.create(settings, ENDPOINTS).name();
    }

    private static ConsistentHashLB hash(RingHash ringHash, MagLev maglev, Long deprecatedMinimumRingSize) {
        return new ConsistentHashLB("x-user", null, null, null, ringHash, maglev, deprecatedMinimumRingSize);
    }

    @Test
    void noSettingsMeansLeastRequestLikeTheSidecar() {
        assertThat(policyOf(null)).isEqualTo("LEAST_REQUEST");
        assertThat(policyOf(new LoadBalancerSettings(null, null, null, null, null, null))).isEqualTo("LEAST_REQUEST");
    }

    @Test
    @SuppressWarnings("deprecation")
    void leastConnAndUnspecifiedMeanLeastRequest() {
        assertThat(policyOf(LoadBalancerSettings.simple(SimpleLB.LEAST_CONN))).isEqualTo("LEAST_REQUEST");
        assertThat(policyOf(LoadBalancerSettings.simple(SimpleLB.UNSPECIFIED))).isEqualTo("LEAST_REQUEST");
        assertThat(policyOf(LoadBalancerSettings.simple(SimpleLB.LEAST_REQUEST))).isEqualTo("LEAST_REQUEST");
    }

    @Test
    void simplePoliciesKeepIstioNames() {
        assertThat(policyOf(LoadBalancerSettings.simple(SimpleLB.ROUND_ROBIN))).isEqualTo("ROUND_ROBIN");
        assertThat(policyOf(LoadBalancerSettings.simple(SimpleLB.RANDOM))).isEqualTo("RANDOM");
        assertThat(policyOf(LoadBalancerSettings.simple(SimpleLB.PASSTHROUGH))).isEqualTo("PASSTHROUGH");
    }

    @Test
    void consistentHashWithoutAlgorithmIsRingHashOf1024Points() {
        LoadBalancer lb = LoadBalancers.create(
                LoadBalancerSettings.consistentHash(ConsistentHashLB.httpHeaderName("x-user")), ENDPOINTS);
        assertThat(lb.name()).isEqualTo("RING_HASH");
        assertThat(((RingHashBalancer) lb).slotCount()).isBetween(1024, 1024 + ENDPOINTS.size());
    }

    @Test
    void deprecatedMinimumRingSizeIsHonouredOnlyWithoutAnAlgorithm() {
        assertThat(LoadBalancers.minimumRingSize(hash(null, null, 4096L))).isEqualTo(4096);
        assertThat(LoadBalancers.minimumRingSize(hash(new RingHash(2048L), null, 4096L))).isEqualTo(2048);
        assertThat(LoadBalancers.minimumRingSize(hash(new RingHash(null), null, 4096L))).isEqualTo(1024);
        assertThat(LoadBalancers.minimumRingSize(hash(new RingHash(0L), null, null))).isEqualTo(1024);
    }

    @Test
    void ringHashRingHoldsAtLeastMinimumRingSizePoints() {
        LoadBalancer lb = LoadBalancers.create(
                LoadBalancerSettings.consistentHash(hash(new RingHash(5000L), null, null)), ENDPOINTS);
        assertThat(((RingHashBalancer) lb).slotCount()).isGreaterThanOrEqualTo(5000);
    }

    @Test
    void maglevTableDefaultsTo65537Slots() {
        LoadBalancer lb = LoadBalancers.create(
                LoadBalancerSettings.consistentHash(hash(null, new MagLev(null), null)), ENDPOINTS);
        assertThat(lb.name()).isEqualTo("MAGLEV");
        assertThat(((MaglevBalancer) lb).slotCount()).isEqualTo(65537);
    }

    @Test
    void maglevTableSizeThatIsNotPrimeIsRaisedToTheNextPrime() {
        assertThat(LoadBalancers.maglevTableSize(hash(null, new MagLev(1000L), null))).isEqualTo(1009);
        assertThat(LoadBalancers.maglevTableSize(hash(null, new MagLev(251L), null))).isEqualTo(251);
        assertThat(LoadBalancers.maglevTableSize(hash(null, new MagLev(9_000_000L), null))).isLessThan(5000011);
    }

    @Test
    void consistentHashWinsOverSimpleAsInIstio() {
        LoadBalancerSettings both = new LoadBalancerSettings(SimpleLB.ROUND_ROBIN,
                ConsistentHashLB.httpHeaderName("x-user"), null, null, null, null);
        assertThat(policyOf(both)).isEqualTo("RING_HASH");
    }

    @Test
    void passthroughReturnsTheFirstCandidate() {
        LoadBalancer lb = LoadBalancers.create(LoadBalancerSettings.simple(SimpleLB.PASSTHROUGH), List.of());
        Random random = new Random(1);
        for (int i = 0; i < 10; i++) {
            assertThat(lb.pick(ENDPOINTS, context(random))).isEqualTo(ENDPOINTS.get(0));
        }
    }

    @Test
    void policyNameMatchesWhatCreateBuilds() {
        for (SimpleLB simple : SimpleLB.values()) {
            LoadBalancerSettings settings = LoadBalancerSettings.simple(simple);
            assertThat(LoadBalancers.policyName(settings)).as("%s", simple).isEqualTo(policyOf(settings));
        }
    }

    @Test
    void emptyCandidatesGiveNoEndpoint() {
        for (String policy : List.of("ROUND_ROBIN", "RANDOM", "LEAST_REQUEST", "PASSTHROUGH")) {
            LoadBalancer lb = LoadBalancers.create(LoadBalancerSettings.simple(SimpleLB.valueOf(policy)), ENDPOINTS);
            assertThat(lb.pick(List.of(), context(new Random(1)))).as(policy).isNull();
        }
    }
}
