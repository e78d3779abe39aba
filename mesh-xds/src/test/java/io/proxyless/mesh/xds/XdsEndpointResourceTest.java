package io.proxyless.mesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** EDS into the one route model, one literal proto per behaviour. */
class XdsEndpointResourceTest {
    private static LbEndpoint endpoint(String address, int port) {
        return XdsFixtures.assignment("c", List.of(address), port).getEndpoints(0).getLbEndpoints(0);
    }

    private static Struct struct(String key, String value) {
        return Struct.newBuilder().putFields(key, Value.newBuilder().setStringValue(value).build()).build();
    }

    @Test
    void endpointsKeepLocalityWeightPriorityAndLabelsAndSkipUnhealthyOnes() {
        ClusterLoadAssignment cla = ClusterLoadAssignment.newBuilder().setClusterName("c")
                .addEndpoints(LocalityLbEndpoints.newBuilder()
                        .setLocality(Locality.newBuilder().setRegion("us-east").setZone("a"))
                        .setLoadBalancingWeight(UInt32Value.of(3)).setPriority(1)
                        .addLbEndpoints(endpoint("10.0.0.1", 80).toBuilder().setLoadBalancingWeight(UInt32Value.of(5))
                                .setMetadata(Metadata.newBuilder()
                                        .putFilterMetadata("envoy.transport_socket_match", struct("tlsMode", "istio"))
                                        .putFilterMetadata("envoy.lb", struct("version", "v1"))))
                        .addLbEndpoints(endpoint("10.0.0.2", 80).toBuilder().setHealthStatus(HealthStatus.UNHEALTHY))
                        .addLbEndpoints(endpoint("10.0.0.3", 80).toBuilder().setHealthStatus(HealthStatus.DRAINING))
                        .addLbEndpoints(endpoint("10.0.0.4", 80).toBuilder().setHealthStatus(HealthStatus.HEALTHY)))
                .build();
        var parsed = XdsEndpointResource.parse(cla);
        assertThat(parsed.error()).isNull();
        assertThat(parsed.value().clusterName()).isEqualTo("c");
        assertThat(parsed.value().endpoints()).containsExactly(
                new io.proxyless.mesh.runtime.model.LbEndpoint("10.0.0.1", 80, 5, "us-east/a", 1,
                        Map.of(XdsEndpointResource.TLS_MODE_LABEL, "istio", "version", "v1"), null)
                        .withTransportSocketMatch(Map.of("tlsMode", "istio")).withLocalityShare(3 * 0.7),
                new io.proxyless.mesh.runtime.model.LbEndpoint("10.0.0.4", 80, 1, "us-east/a", 1, Map.of(), null)
                        .withLocalityShare(3 * 0.7));
    }

    @Test
    void badEndpointsAreNackedNamingTheField() {
        var zeroWeight = XdsEndpointResource.parse(ClusterLoadAssignment.newBuilder().setClusterName("c")
                .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(endpoint("10.0.0.1", 80).toBuilder()
                        .setLoadBalancingWeight(UInt32Value.of(0)))).build());
        assertThat(zeroWeight.error()).isEqualTo("endpoints[0].lb_endpoints[0].load_balancing_weight: must be at"
                + " least 1");
        var twice = XdsEndpointResource.parse(ClusterLoadAssignment.newBuilder().setClusterName("c")
                .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(endpoint("10.0.0.1", 80))
                        .addLbEndpoints(endpoint("10.0.0.1", 80))).build());
        assertThat(twice.error()).isEqualTo("endpoints[0].lb_endpoints[1]: endpoint 10.0.0.1:80 appears twice in"
                + " priority 0");
        var noPort = XdsEndpointResource.parse(ClusterLoadAssignment.newBuilder().setClusterName("c")
                .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(endpoint("10.0.0.1", 0))).build());
        assertThat(noPort.error()).isEqualTo("endpoints[0].lb_endpoints[0].endpoint.address.socket_address"
                + ".port_value: 0 is not in [1, 65535]");
    }

    @Test
    void localityWeightsBecomeSharesPerPriorityScaledByAvailabilityLikeEnvoy() {
        ClusterLoadAssignment cla = ClusterLoadAssignment.newBuilder().setClusterName("c")
                .addEndpoints(LocalityLbEndpoints.newBuilder().setLocality(Locality.newBuilder().setZone("a"))
                        .setLoadBalancingWeight(UInt32Value.of(1)).addLbEndpoints(endpoint("10.0.0.1", 80)))
                .addEndpoints(LocalityLbEndpoints.newBuilder().setLocality(Locality.newBuilder().setZone("b"))
                        .setLoadBalancingWeight(UInt32Value.of(3)).addLbEndpoints(endpoint("10.0.0.2", 80))
                        .addLbEndpoints(endpoint("10.0.0.3", 80).toBuilder().setHealthStatus(HealthStatus.UNHEALTHY)))
                .addEndpoints(LocalityLbEndpoints.newBuilder().setLocality(Locality.newBuilder().setZone("c"))
                        .addLbEndpoints(endpoint("10.0.0.4", 80)))
                .addEndpoints(LocalityLbEndpoints.newBuilder().setLocality(Locality.newBuilder().setZone("a"))
                        .setPriority(1).setLoadBalancingWeight(UInt32Value.of(7))
                        .addLbEndpoints(endpoint("10.0.0.5", 80)))
                .build();
        var parsed = XdsEndpointResource.parse(cla);
        assertThat(parsed.warnings()).isEmpty();
        assertThat(parsed.value().endpoints()).extracting(e -> e.address() + " " + e.locality() + " p" + e.priority()
                + " " + e.localityShare()).containsExactly(
                "10.0.0.1 /a p0 1.0",
                // half of b is unhealthy: 3 × min(1, 1.4 × 1/2), Envoy's effective locality weight
                "10.0.0.2 /b p0 " + 3 * 0.7,
                // no weight: no share, so no traffic while a weighted locality of its priority is healthy
                "10.0.0.4 /c p0 0.0",
                // the same locality at another priority is another locality, with its own weight
                "10.0.0.5 /a p1 7.0");
        assertThat(parsed.value().overprovisioningFactor()).as("Envoy's default").isEqualTo(140);
        assertThat(parsed.value().leftOutByPriority()).as("b's unhealthy endpoint still counts in priority 0")
                .isEqualTo(Map.of(0, 1));
        assertThat(parsed.value().leftOut(0, "/b")).as("and in its locality's availability").isEqualTo(1);
        assertThat(parsed.value().leftOut(0, "/a")).isZero();
        assertThat(parsed.value().leftOut(1, "/a")).isZero();
        // The assignment's own factor scales availability: at 200 half of b healthy is all of b's weight.
        var factor200 = XdsEndpointResource.parse(cla.toBuilder().setPolicy(ClusterLoadAssignment.Policy.newBuilder()
                .setOverprovisioningFactor(UInt32Value.of(200))).build());
        assertThat(factor200.warnings()).isEmpty();
        assertThat(factor200.value().overprovisioningFactor()).isEqualTo(200);
        assertThat(factor200.value().endpoints().get(1).localityShare()).isEqualTo(3.0);
        var factor0 = XdsEndpointResource.parse(cla.toBuilder().setPolicy(ClusterLoadAssignment.Policy.newBuilder()
                .setOverprovisioningFactor(UInt32Value.of(0))).build());
        assertThat(factor0.error()).isEqualTo("policy.overprovisioning_factor: must be at least 1 (percent): at 0 no"
                + " priority or locality ever counts as healthy");
        var weightedHealth = XdsEndpointResource.parse(cla.toBuilder().setPolicy(ClusterLoadAssignment.Policy
                .newBuilder().setOverprovisioningFactor(UInt32Value.of(200)).setWeightedPriorityHealth(true)).build());
        assertThat(weightedHealth.warnings()).extracting(Findings.Finding::path)
                .containsExactly("policy.weighted_priority_health");
    }
}
