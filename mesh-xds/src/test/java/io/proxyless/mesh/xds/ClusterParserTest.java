package io.proxyless.mesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.UInt64Value;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.LoadBalancingPolicy;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.extensions.load_balancing_policies.ring_hash.v3.RingHash;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.proxyless.mesh.api.ClientTLSSettings;
import io.proxyless.mesh.api.LoadBalancerSettings.SimpleLB;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Cluster and ClusterLoadAssignment → Istio policy and endpoints, one literal proto per behaviour. */
class ClusterParserTest {
    private static final XdsBootstrap.CertificateProvider FILES = new XdsBootstrap.CertificateProvider("default",
            "/certs/cert-chain.pem", "/certs/key.pem", "/certs/root-cert.pem", Duration.ofMinutes(10));
    private static final ParseContext CTX = new ParseContext(false, Map.of("default", FILES));

    private static XdsCluster parse(Cluster c) {
        Parsed<XdsCluster> p = ClusterParser.parse(c, CTX);
        assertThat(p.error()).isNull();
        return p.value();
    }

    @Test
    void istioClusterNamesGiveHostPortAndSubset() {
        ClusterName n = ClusterName.parse("outbound|9080|v1|reviews.default.svc.cluster.local");
        assertThat(n.host()).isEqualTo("reviews.default.svc.cluster.local");
        assertThat(n.port()).isEqualTo(9080);
        assertThat(n.subset()).isEqualTo("v1");
        assertThat(ClusterName.parse("outbound|9080||reviews.default.svc.cluster.local").subset()).isNull();
        ClusterName other = ClusterName.parse("Backend");
        assertThat(other.istio()).isFalse();
        assertThat(other.host()).isEqualTo("backend");
        assertThat(other.port()).isZero();
        assertThat(ClusterName.parse("inbound|8080||").istio()).isFalse();
        assertThat(ClusterName.parse("BlackHoleCluster").special()).isTrue();
    }

    @Test
    void lbPolicyEnumMapsToIstioLoadBalancers() {
        assertThat(parse(Cluster.newBuilder().setName("a").build()).loadBalancer().simple())
                .as("Envoy's default").isEqualTo(SimpleLB.ROUND_ROBIN);
        assertThat(parse(Cluster.newBuilder().setName("a").setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST).build())
                .loadBalancer().simple()).isEqualTo(SimpleLB.LEAST_REQUEST);
        assertThat(parse(Cluster.newBuilder().setName("a").setLbPolicy(Cluster.LbPolicy.RANDOM).build())
                .loadBalancer().simple()).isEqualTo(SimpleLB.RANDOM);
        var ring = parse(Cluster.newBuilder().setName("a").setLbPolicy(Cluster.LbPolicy.RING_HASH)
                .setRingHashLbConfig(Cluster.RingHashLbConfig.newBuilder().setMinimumRingSize(UInt64Value.of(2048)))
                .build()).loadBalancer().consistentHash();
        assertThat(ring.ringHash().minimumRingSize()).isEqualTo(2048L);
        var maglev = parse(Cluster.newBuilder().setName("a").setLbPolicy(Cluster.LbPolicy.MAGLEV).build())
                .loadBalancer().consistentHash();
        assertThat(maglev.maglev().tableSize()).isEqualTo(65537L);
    }

    @Test
    void loadBalancingPolicyExtensionsAreReadInOrder() {
        var lb = parse(Cluster.newBuilder().setName("a").setLoadBalancingPolicy(LoadBalancingPolicy.newBuilder()
                .addPolicies(LoadBalancingPolicy.Policy.newBuilder().setTypedExtensionConfig(TypedExtensionConfig
                        .newBuilder().setName("unknown").setTypedConfig(Any.newBuilder().setTypeUrl("type.x/Y"))))
                .addPolicies(LoadBalancingPolicy.Policy.newBuilder().setTypedExtensionConfig(TypedExtensionConfig
                        .newBuilder().setName("ring").setTypedConfig(Any.pack(RingHash.newBuilder()
                                .setMinimumRingSize(UInt64Value.of(512)).build()))))).build()).loadBalancer();
        assertThat(lb.consistentHash().ringHash().minimumRingSize()).isEqualTo(512L);
    }

    @Test
    void outlierDetectionGetsEnvoysDefaultsAndIstiosPanicThreshold() {
        var od = parse(Cluster.newBuilder().setName("a").setOutlierDetection(OutlierDetection.newBuilder()
                .setConsecutive5Xx(UInt32Value.of(3)).setEnforcingSuccessRate(UInt32Value.of(0)))
                .setCommonLbConfig(Cluster.CommonLbConfig.newBuilder().setHealthyPanicThreshold(
                        io.envoyproxy.envoy.type.v3.Percent.newBuilder().setValue(0)))
                .build()).outlierDetection();
        assertThat(od.consecutive5xxErrors()).isEqualTo(3);
        assertThat(od.consecutiveGatewayErrors()).isNull();
        assertThat(od.interval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(od.baseEjectionTime()).isEqualTo(Duration.ofSeconds(30));
        assertThat(od.maxEjectionPercent()).isEqualTo(10);
        assertThat(od.minHealthPercent()).isZero();
    }

    @Test
    void gatewayOnlyOutlierDetectionTurnsConsecutive5xxOff() {
        Findings f = new Findings();
        var od = ClusterParser.parseCluster(Cluster.newBuilder().setName("a").setOutlierDetection(OutlierDetection
                .newBuilder().setConsecutiveGatewayFailure(UInt32Value.of(2))
                .setEnforcingConsecutiveGatewayFailure(UInt32Value.of(100))
                .setEnforcingConsecutive5Xx(UInt32Value.of(0))).build(), CTX, f).outlierDetection();
        assertThat(od.consecutive5xxErrors()).isZero();
        assertThat(od.consecutiveGatewayErrors()).isEqualTo(2);
        assertThat(f.warnings()).as("success-rate ejection is on by default in Envoy")
                .anyMatch(w -> w.path().equals("outlier_detection.enforcing_success_rate"));
    }

    @Test
    void circuitBreakersAndConnectTimeoutBecomeTheConnectionPool() {
        var pool = parse(Cluster.newBuilder().setName("a").setConnectTimeout(XdsFixtures.duration(Duration.ofSeconds(1)))
                .setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(CircuitBreakers.Thresholds.newBuilder()
                        .setMaxConnections(UInt32Value.of(1)).setMaxPendingRequests(UInt32Value.of(2))))
                .build()).connectionPool();
        assertThat(pool.tcp().maxConnections()).isEqualTo(1);
        assertThat(pool.tcp().connectTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(pool.http().http1MaxPendingRequests()).isEqualTo(2);
        assertThat(pool.http().http2MaxRequests()).as("Envoy's default").isEqualTo(1024);
    }

    @Test
    void istiosSdsNamesMapToTheBootstrapCertificateProvider() {
        UpstreamTlsContext tls = UpstreamTlsContext.newBuilder().setSni("outbound_.9080_._.reviews")
                .setCommonTlsContext(CommonTlsContext.newBuilder()
                        .addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName("default"))
                        .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                                .setDefaultValidationContext(CertificateValidationContext.newBuilder()
                                        .addMatchSubjectAltNames(StringMatcher.newBuilder()
                                                .setExact("spiffe://cluster.local/ns/default/sa/reviews")))
                                .setValidationContextSdsSecretConfig(SdsSecretConfig.newBuilder().setName("ROOTCA"))))
                .build();
        ClientTLSSettings s = parse(Cluster.newBuilder().setName("a").setTransportSocket(TransportSocket.newBuilder()
                .setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(tls))).build()).tls();
        assertThat(s.mode()).isEqualTo(ClientTLSSettings.TLSmode.MUTUAL);
        assertThat(s.clientCertificate()).isEqualTo("/certs/cert-chain.pem");
        assertThat(s.privateKey()).isEqualTo("/certs/key.pem");
        assertThat(s.caCertificates()).isEqualTo("/certs/root-cert.pem");
        assertThat(s.subjectAltNames()).containsExactly("spiffe://cluster.local/ns/default/sa/reviews");
        assertThat(s.sni()).isEqualTo("outbound_.9080_._.reviews");
        assertThat(s.insecureSkipVerify()).isNull();
    }

    @Test
    void fileMountedSdsNamesAreFilePaths() {
        UpstreamTlsContext tls = UpstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
                .addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName("file-cert:/a/c.pem~/a/k.pem"))
                .setValidationContextSdsSecretConfig(SdsSecretConfig.newBuilder().setName("file-root:/a/ca.pem")))
                .build();
        ClientTLSSettings s = parse(Cluster.newBuilder().setName("a").setTransportSocket(TransportSocket.newBuilder()
                .setName("tls").setTypedConfig(Any.pack(tls))).build()).tls();
        assertThat(s.clientCertificate()).isEqualTo("/a/c.pem");
        assertThat(s.privateKey()).isEqualTo("/a/k.pem");
        assertThat(s.caCertificates()).isEqualTo("/a/ca.pem");
    }

    @Test
    void tlsWithoutValidationContextDoesNotVerifyTheServerLikeEnvoy() {
        ClientTLSSettings s = parse(Cluster.newBuilder().setName("a").setTransportSocket(TransportSocket.newBuilder()
                .setName("tls").setTypedConfig(Any.pack(UpstreamTlsContext.getDefaultInstance()))).build()).tls();
        assertThat(s.mode()).isEqualTo(ClientTLSSettings.TLSmode.SIMPLE);
        assertThat(s.insecureSkipVerify()).isTrue();
    }

    @Test
    void unsupportedClusterFieldsWarn() {
        Parsed<XdsCluster> p = ClusterParser.parse(Cluster.newBuilder().setName("a")
                .setLrsServer(io.envoyproxy.envoy.config.core.v3.ConfigSource.getDefaultInstance()).build(), CTX);
        assertThat(p.warnings()).extracting(Findings.Finding::toString).contains("lrs_server: not supported; ignored");
    }

    @Test
    void endpointsKeepLocalityWeightPriorityAndSkipUnhealthyOnes() {
        ClusterLoadAssignment cla = ClusterLoadAssignment.newBuilder().setClusterName("c")
                .addEndpoints(LocalityLbEndpoints.newBuilder()
                        .setLocality(Locality.newBuilder().setRegion("us-east").setZone("a"))
                        .setLoadBalancingWeight(UInt32Value.of(3)).setPriority(1)
                        .addLbEndpoints(XdsFixtures.assignment("c", java.util.List.of("10.0.0.1"), 80).getEndpoints(0)
                                .getLbEndpoints(0).toBuilder().setLoadBalancingWeight(UInt32Value.of(5))
                                .setMetadata(Metadata.newBuilder().putFilterMetadata("envoy.transport_socket_match",
                                        com.google.protobuf.Struct.newBuilder().putFields("tlsMode",
                                                com.google.protobuf.Value.newBuilder().setStringValue("istio").build())
                                                .build())))
                        .addLbEndpoints(LbEndpoint.newBuilder().mergeFrom(XdsFixtures.assignment("c",
                                java.util.List.of("10.0.0.2"), 80).getEndpoints(0).getLbEndpoints(0))
                                .setHealthStatus(HealthStatus.UNHEALTHY)))
                .build();
        Parsed<XdsEndpoints> p = EndpointParser.parse(cla, CTX);
        assertThat(p.value().endpoints()).singleElement().isEqualTo(new XdsEndpoints.LbEndpoint("10.0.0.1", 80,
                "us-east/a", 5, 1, Map.of(EndpointParser.TLS_MODE_LABEL, "istio")));
        assertThat(p.value().localityWeights()).containsExactly(Map.entry("us-east/a", 3));
    }
}
