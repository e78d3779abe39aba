package io.proxyless.mesh.runtime.balancing;

import static io.proxyless.mesh.runtime.balancing.Fixtures.endpoint;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import io.proxyless.mesh.api.LocalityLoadBalancerSetting;
import io.proxyless.mesh.api.LocalityLoadBalancerSetting.Distribute;
import io.proxyless.mesh.api.LocalityLoadBalancerSetting.Failover;
import io.proxyless.mesh.api.LoadBalancerSettings;
import io.proxyless.mesh.api.LoadBalancerSettings.SimpleLB;
import io.proxyless.mesh.runtime.registry.Endpoint;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LocalityPrioritizerTest {

    private static final Endpoint SAME_SUBZONE = endpoint("10.0.0.1", "us-east/a/1", 1);
    private static final Endpoint SAME_ZONE = endpoint("10.0.0.2", "us-east/a/2", 1);
    private static final Endpoint SAME_REGION = endpoint("10.0.0.3", "us-east/b/1", 1);
    private static final Endpoint WEST = endpoint("10.0.0.4", "us-west/a/1", 1);
    private static final Endpoint EU = endpoint("10.0.0.5", "eu-west/a/1", 1);
    private static final List<Endpoint> ALL = List.of(EU, WEST, SAME_REGION, SAME_ZONE, SAME_SUBZONE);

    private static LocalityLoadBalancerSetting failover(Failover... failover) {
        return new LocalityLoadBalancerSetting(null, List.of(failover), null, null);
    }

    @Test
    void withOutlierDetectionEndpointsAreOrderedBySubzoneZoneRegionThenRest() {
        LocalityPriorities p = LocalityPrioritizer.prioritize("us-east/a/1", null, true, ALL);
        assertThat(p.levels()).containsExactly(
                List.of(SAME_SUBZONE), List.of(SAME_ZONE), List.of(SAME_REGION), List.of(EU, WEST));
    }

    @Test
    void withoutOutlierDetectionThereIsNoFailoverBecauseNothingWouldEverFailOver() {
        LocalityPriorities p = LocalityPrioritizer.prioritize("us-east/a/1", null, false, ALL);
        assertThat(p.levels()).containsExactly(ALL);
    }

    @Test
    void disabledLocalitySettingMeansOneLevel() {
        LocalityLoadBalancerSetting off = new LocalityLoadBalancerSetting(null, null, null, false);
        assertThat(LocalityPrioritizer.prioritize("us-east/a/1", off, true, ALL).levels()).containsExactly(ALL);
    }

    @Test
    void emptyLevelsAreDropped() {
        LocalityPriorities p = LocalityPrioritizer.prioritize("us-east/a/1", null, true, List.of(WEST, SAME_REGION));
        assertThat(p.levels()).containsExactly(List.of(SAME_REGION), List.of(WEST));
    }

    @Test
    void failoverSendsTheClientsRegionToTheNamedRegionBeforeOthers() {
        LocalityPriorities p = LocalityPrioritizer.prioritize("us-east/a/1",
                failover(new Failover("us-east", "eu-west")), true, List.of(WEST, EU, SAME_REGION));
        assertThat(p.levels()).containsExactly(List.of(SAME_REGION), List.of(EU), List.of(WEST));
    }

    @Test
    void failoverOfAnotherRegionDoesNotApply() {
        LocalityPriorities p = LocalityPrioritizer.prioritize("us-east/a/1",
                failover(new Failover("us-west", "eu-west")), true, List.of(WEST, EU, SAME_REGION));
        assertThat(p.levels()).containsExactly(List.of(SAME_REGION), List.of(WEST, EU));
    }

    @Test
    void distributeSharesTrafficByLocalityAndDropsUnlistedLocalities() {
        Endpoint eastA1 = endpoint("10.1.0.1", "us-east/a/1", 1);
        Endpoint eastA2 = endpoint("10.1.0.2", "us-east/a/2", 3);
        Endpoint eastB = endpoint("10.1.0.3", "us-east/b/1", 1);
        Endpoint west = endpoint("10.1.0.4", "us-west/a/1", 1);
        Map<String, Integer> to = new LinkedHashMap<>();
        to.put("us-east/a/*", 80);
        to.put("us-west/*", 20);
        LocalityLoadBalancerSetting setting = new LocalityLoadBalancerSetting(
                List.of(new Distribute("us-east/*", to)), null, null, null);
        LocalityPriorities p = LocalityPrioritizer.prioritize("us-east/a/1", setting, false,
                List.of(eastA1, eastA2, eastB, west));
        assertThat(p.levels()).containsExactly(List.of(eastA1, eastA2, west));
        // us-east/a/* splits its 80 by the localities' own weights (1 and 3): 20 and 60
        assertThat(p.weight(eastA1)).isEqualTo(20.0);
        assertThat(p.weight(eastA2)).isEqualTo(60.0);
        assertThat(p.weight(west)).isEqualTo(20.0);

        LoadBalancer lb = LoadBalancers.create(LoadBalancerSettings.simple(SimpleLB.ROUND_ROBIN),
                p.endpoints(), p::weight, new EndpointTracker());
        Map<Endpoint, Integer> counts = Fixtures.tally(lb, p.endpoints(), Fixtures.context(new Random(1)), 1000);
        assertThat(counts).containsEntry(eastA1, 200).containsEntry(eastA2, 600).containsEntry(west, 200);
    }

    @Test
    void distributeWhoseFromDoesNotMatchTheClientChangesNothing() {
        LocalityLoadBalancerSetting setting = new LocalityLoadBalancerSetting(
                List.of(new Distribute("eu-west/*", Map.of("eu-west/*", 100))), null, null, null);
        LocalityPriorities p = LocalityPrioritizer.prioritize("us-east/a/1", setting, true, ALL);
        assertThat(p.levels()).containsExactly(ALL);
        assertThat(p.weight(EU)).isEqualTo(1.0);
    }

    @Test
    void failoverPriorityRanksByLongestMatchingLabelPrefix() {
        Endpoint sameNetworkSameVersion = labelled("10.2.0.1", "n1", "v1");
        Endpoint sameNetworkOtherVersion = labelled("10.2.0.2", "n1", "v2");
        Endpoint otherNetworkSameVersion = labelled("10.2.0.3", "n2", "v1");
        LocalityLoadBalancerSetting setting = new LocalityLoadBalancerSetting(null, null,
                List.of("topology.istio.io/network", "version"), null);
        Map<String, String> client = Map.of("topology.istio.io/network", "n1", "version", "v1");
        LocalityPriorities p = LocalityPrioritizer.prioritize("us-east/a/1", client, setting, true,
                List.of(otherNetworkSameVersion, sameNetworkOtherVersion, sameNetworkSameVersion));
        assertThat(p.levels()).containsExactly(
                List.of(sameNetworkSameVersion), List.of(sameNetworkOtherVersion), List.of(otherNetworkSameVersion));
    }

    @Test
    void failoverPriorityLabelWithValueRanksByThatValue() {
        Endpoint v1 = labelled("10.2.0.1", "n1", "v1");
        Endpoint v2 = labelled("10.2.0.2", "n1", "v2");
        LocalityLoadBalancerSetting setting = new LocalityLoadBalancerSetting(null, null, List.of("version=v2"), null);
        LocalityPriorities p = LocalityPrioritizer.prioritize("us-east/a/1", Map.of("version", "v1"), setting,
                true, List.of(v1, v2));
        assertThat(p.levels()).containsExactly(List.of(v2), List.of(v1));
    }

    @Test
    void failoverPriorityUsesLocalityAsTopologyLabels() {
        LocalityLoadBalancerSetting setting = new LocalityLoadBalancerSetting(null, null,
                List.of("topology.kubernetes.io/region", "topology.kubernetes.io/zone"), null);
        LocalityPriorities p = LocalityPrioritizer.prioritize("us-east/a/1", Map.of(), setting, true,
                List.of(WEST, SAME_REGION, SAME_ZONE, SAME_SUBZONE));
        // subzone is not listed, so same-zone endpoints share the first level
        assertThat(p.levels()).containsExactly(List.of(SAME_ZONE, SAME_SUBZONE), List.of(SAME_REGION), List.of(WEST));
    }

    @Test
    void failoverPriorityWithFailoverAlsoOrdersByLocality() {
        Endpoint eastV1 = new Endpoint("10.3.0.1", 80, Map.of("version", "v1"), "us-east/b/1", 1, "", null);
        Endpoint westV1 = new Endpoint("10.3.0.2", 80, Map.of("version", "v1"), "us-west/a/1", 1, "", null);
        Endpoint eastV2 = new Endpoint("10.3.0.3", 80, Map.of("version", "v2"), "us-east/a/1", 1, "", null);
        LocalityLoadBalancerSetting setting = new LocalityLoadBalancerSetting(null,
                List.of(new Failover("us-east", "us-west")), List.of("version"), null);
        LocalityPriorities p = LocalityPrioritizer.prioritize("us-east/a/1", Map.of("version", "v1"), setting,
                true, List.of(westV1, eastV2, eastV1));
        assertThat(p.levels()).containsExactly(List.of(eastV1), List.of(westV1), List.of(eastV2));
    }

    @Test
    void healthyFirstLevelTakesAllTraffic() {
        LocalityPriorities p = LocalityPrioritizer.prioritize("us-east/a/1", null, true, ALL);
        Random random = new Random(1);
        for (int i = 0; i < 1000; i++) {
            assertThat(p.chooseLevel(e -> true, random)).isZero();
        }
    }

    @Test
    void firstLevelAtHalfHealthKeepsSeventyPercentAndSpillsTheRest() {
        Endpoint a1 = endpoint("10.4.0.1", "us-east/a/1", 1);
        Endpoint a2 = endpoint("10.4.0.2", "us-east/a/1", 1);
        Endpoint b1 = endpoint("10.4.0.3", "us-east/b/1", 1);
        LocalityPriorities p = LocalityPrioritizer.prioritize("us-east/a/1", null, true, List.of(a1, a2, b1));
        Set<Endpoint> down = Set.of(a2);
        Random random = new Random(2);
        int first = 0;
        for (int i = 0; i < 10_000; i++) {
            if (p.chooseLevel(e -> !down.contains(e), random) == 0) {
                first++;
            }
        }
        assertThat(first / 10_000.0).isCloseTo(0.7, offset(0.02));
    }

    @Test
    void levelWithNothingHealthyIsSkippedAndNoHealthyEndpointsGiveMinusOne() {
        LocalityPriorities p = LocalityPrioritizer.prioritize("us-east/a/1", null, true, ALL);
        Random random = new Random(3);
        assertThat(p.chooseLevel(e -> e != SAME_SUBZONE, random)).isEqualTo(1);
        assertThat(p.chooseLevel(e -> false, random)).isEqualTo(-1);
    }

    @Test
    void localityPatternsMatchLikeIstio() {
        assertThat(LocalityPrioritizer.localityMatches("us-east/a/1", "*")).isTrue();
        assertThat(LocalityPrioritizer.localityMatches("us-east/a/1", "us-east")).isTrue();
        assertThat(LocalityPrioritizer.localityMatches("us-east/a/1", "us-east/*")).isTrue();
        assertThat(LocalityPrioritizer.localityMatches("us-east/a/1", "us-east/a/*")).isTrue();
        assertThat(LocalityPrioritizer.localityMatches("us-east/a/1", "us-east/a/1")).isTrue();
        assertThat(LocalityPrioritizer.localityMatches("us-east/a/1", "us-east/b")).isFalse();
        assertThat(LocalityPrioritizer.localityMatches("us-east/a/1", "us-west/*")).isFalse();
        assertThat(LocalityPrioritizer.localityMatches("", "us-east")).isFalse();
        assertThat(LocalityPrioritizer.localityMatches("", "*")).isTrue();
    }

    private static Endpoint labelled(String address, String network, String version) {
        Map<String, String> labels = new HashMap<>();
        labels.put("version", version);
        return new Endpoint(address, 80, labels, "us-east/a/1", 1, network, null);
    }
}
