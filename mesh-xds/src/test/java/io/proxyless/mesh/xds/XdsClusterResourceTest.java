package io.proxyless.mesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.UInt64Value;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.LoadBalancingPolicy;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.extensions.load_balancing_policies.common.v3.LocalityLbConfig;
import io.envoyproxy.envoy.extensions.load_balancing_policies.ring_hash.v3.RingHash;
import io.envoyproxy.envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin;
import io.envoyproxy.envoy.extensions.load_balancing_policies.wrr_locality.v3.WrrLocality;
import io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.proxyless.mesh.runtime.model.ClusterKey;
import io.proxyless.mesh.runtime.model.LbPolicy;
import io.proxyless.mesh.runtime.model.TransportSocketMatch;
import io.proxyless.mesh.runtime.model.UpstreamTls;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** CDS into the one route model, one literal proto per behaviour. */
class XdsClusterResourceTest {
    private static final XdsBootstrap.CertificateProvider FILES = new XdsBootstrap.CertificateProvider("default",
            "/certs/cert-chain.pem", "/certs/key.pem", "/certs/root-cert.pem", Duration.ofMinutes(10));
    private static final ParseContext CTX = new ParseContext(false, Map.of("default", FILES));
    private static final String REVIEWS_V1 = "outbound|9080|v1|reviews.default.svc.cluster.local";

    private static XdsClusterResource.Update ok(Cluster c) {
        Parsed<XdsClusterResource.Update> p = XdsClusterResource.parse(c, CTX);
        assertThat(p.error()).isNull();
        return p.value();
    }

    private static io.proxyless.mesh.runtime.model.Cluster cluster(Cluster.Builder c) {
        return ok(c.setName("a").build()).cluster();
    }

    private static String nack(Cluster.Builder c) {
        Parsed<XdsClusterResource.Update> p = XdsClusterResource.parse(c.setName("a").build(), CTX);
        assertThat(p.ok()).as("NACKed").isFalse();
        return p.error();
    }

    @Test
    void anIstiodEdsClusterBecomesAModelClusterWithItsServiceKeyAndEdsName() {
        var u = ok(XdsFixtures.edsCluster(REVIEWS_V1, false));
        assertThat(u.name()).isEqualTo(REVIEWS_V1);
        assertThat(u.edsServiceName()).isEqualTo(REVIEWS_V1);
        assertThat(u.inlineEndpoints()).isNull();
        assertThat(u.cluster().discovery()).isEqualTo(io.proxyless.mesh.runtime.model.Cluster.Discovery.EDS);
        assertThat(u.cluster().key()).isEqualTo(ClusterKey.of(9080, "v1", "reviews.default.svc.cluster.local"));
        assertThat(u.cluster().lbPolicy()).isEqualTo(LbPolicy.leastRequest());
        assertThat(u.cluster().connection().connectTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(u.cluster().circuitBreakers().maxRequests()).as("uint32 max, clamped").isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void onlyIstiodsOutboundNamesHaveAServiceKey() {
        assertThat(XdsClusterResource.clusterKey("outbound|9080||reviews.default.svc.cluster.local"))
                .isEqualTo(ClusterKey.of(9080, null, "reviews.default.svc.cluster.local"));
        assertThat(XdsClusterResource.clusterKey("backend")).isNull();
        assertThat(XdsClusterResource.clusterKey("inbound|8080||")).isNull();
        assertThat(XdsClusterResource.clusterKey("outbound|x||reviews")).isNull();
        assertThat(XdsClusterResource.clusterKey("PassthroughCluster")).isNull();
    }

    @Test
    void lbPoliciesWithEnvoysDefaults() {
        assertThat(cluster(Cluster.newBuilder()).lbPolicy()).as("Envoy's default").isEqualTo(LbPolicy.roundRobin());
        assertThat(cluster(Cluster.newBuilder().setLbPolicy(Cluster.LbPolicy.RANDOM)).lbPolicy())
                .isEqualTo(LbPolicy.random());
        assertThat(cluster(Cluster.newBuilder().setLbPolicy(Cluster.LbPolicy.RING_HASH)
                .setRingHashLbConfig(Cluster.RingHashLbConfig.newBuilder().setMinimumRingSize(UInt64Value.of(2048))))
                .lbPolicy()).isEqualTo(LbPolicy.ringHash(2048));
        assertThat(cluster(Cluster.newBuilder().setLbPolicy(Cluster.LbPolicy.MAGLEV)).lbPolicy())
                .isEqualTo(LbPolicy.maglev(65537));
        var slow = cluster(Cluster.newBuilder().setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST)
                .setLeastRequestLbConfig(Cluster.LeastRequestLbConfig.newBuilder().setSlowStartConfig(
                        Cluster.SlowStartConfig.newBuilder().setSlowStartWindow(
                                XdsFixtures.duration(Duration.ofSeconds(30)))))).lbPolicy();
        assertThat(slow.slowStart()).isEqualTo(new LbPolicy.SlowStart(Duration.ofSeconds(30), 1.0, 10.0));
    }

    @Test
    void theFirstKnownLoadBalancingPolicyExtensionWins() {
        var lb = cluster(Cluster.newBuilder().setLoadBalancingPolicy(LoadBalancingPolicy.newBuilder()
                .addPolicies(policy(Any.newBuilder().setTypeUrl("type.x/Y").build()))
                .addPolicies(policy(Any.pack(RingHash.newBuilder().setMinimumRingSize(UInt64Value.of(512))
                        .build()))))).lbPolicy();
        assertThat(lb).isEqualTo(LbPolicy.ringHash(512));
        assertThat(nack(Cluster.newBuilder().setLoadBalancingPolicy(LoadBalancingPolicy.newBuilder()
                .addPolicies(policy(Any.newBuilder().setTypeUrl("type.x/Y").build())))))
                .startsWith("load_balancing_policy: no policy this client supports");
    }

    @Test
    void localityWeightedBalancingIsOnWhereEnvoyTurnsItOn() {
        var legacy = cluster(Cluster.newBuilder().setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST)
                .setCommonLbConfig(Cluster.CommonLbConfig.newBuilder().setLocalityWeightedLbConfig(
                        Cluster.CommonLbConfig.LocalityWeightedLbConfig.getDefaultInstance()))).lbPolicy();
        assertThat(legacy).isEqualTo(LbPolicy.leastRequest().withLocalityWeighted(true));
        assertThat(cluster(Cluster.newBuilder().setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST)).lbPolicy()
                .localityWeighted()).as("not asked for: locality weights ignored").isFalse();
        var wrr = cluster(Cluster.newBuilder().setLoadBalancingPolicy(LoadBalancingPolicy.newBuilder()
                .addPolicies(policy(Any.pack(WrrLocality.newBuilder().setEndpointPickingPolicy(
                        LoadBalancingPolicy.newBuilder().addPolicies(policy(Any.pack(RoundRobin.getDefaultInstance()))))
                        .build()))))).lbPolicy();
        assertThat(wrr).as("wrr_locality picks the locality, its policy the endpoint")
                .isEqualTo(LbPolicy.roundRobin().withLocalityWeighted(true));
        var typed = cluster(Cluster.newBuilder().setLoadBalancingPolicy(LoadBalancingPolicy.newBuilder()
                .addPolicies(policy(Any.pack(RoundRobin.newBuilder().setLocalityLbConfig(LocalityLbConfig.newBuilder()
                        .setLocalityWeightedLbConfig(LocalityLbConfig.LocalityWeightedLbConfig.getDefaultInstance()))
                        .build()))))).lbPolicy();
        assertThat(typed).isEqualTo(LbPolicy.roundRobin().withLocalityWeighted(true));
        var ring = cluster(Cluster.newBuilder().setLoadBalancingPolicy(LoadBalancingPolicy.newBuilder()
                .addPolicies(policy(Any.pack(RingHash.newBuilder().setLocalityWeightedLbConfig(
                        LocalityLbConfig.LocalityWeightedLbConfig.getDefaultInstance()).build()))))).lbPolicy();
        assertThat(ring).isEqualTo(LbPolicy.ringHash(1024).withLocalityWeighted(true));

        // A load_balancing_policy says it itself: the common setting is ignored, as Envoy ignores it, with a warning.
        Parsed<XdsClusterResource.Update> both = XdsClusterResource.parse(Cluster.newBuilder().setName("a")
                .setCommonLbConfig(Cluster.CommonLbConfig.newBuilder().setLocalityWeightedLbConfig(
                        Cluster.CommonLbConfig.LocalityWeightedLbConfig.getDefaultInstance()))
                .setLoadBalancingPolicy(LoadBalancingPolicy.newBuilder()
                        .addPolicies(policy(Any.pack(RoundRobin.getDefaultInstance())))).build(), CTX);
        assertThat(both.value().cluster().lbPolicy()).isEqualTo(LbPolicy.roundRobin());
        assertThat(both.warnings()).extracting(Findings.Finding::path)
                .containsExactly("common_lb_config.locality_weighted_lb_config");
        assertThat(XdsClusterResource.parse(Cluster.newBuilder().setName("a").setCommonLbConfig(
                Cluster.CommonLbConfig.newBuilder().setLocalityWeightedLbConfig(
                        Cluster.CommonLbConfig.LocalityWeightedLbConfig.getDefaultInstance())).build(), CTX)
                .warnings()).as("applied, so nothing to warn about").isEmpty();
    }

    private static LoadBalancingPolicy.Policy policy(Any config) {
        return LoadBalancingPolicy.Policy.newBuilder().setTypedExtensionConfig(TypedExtensionConfig.newBuilder()
                .setName("p").setTypedConfig(config)).build();
    }

    @Test
    void badLbValuesAreNackedNamingTheField() {
        assertThat(nack(Cluster.newBuilder().setLbPolicyValue(42))).isEqualTo("lb_policy: unknown load-balancing"
                + " policy 42");
        assertThat(nack(Cluster.newBuilder().setLbPolicy(Cluster.LbPolicy.RING_HASH)
                .setRingHashLbConfig(Cluster.RingHashLbConfig.newBuilder().setMinimumRingSize(UInt64Value.of(4096))
                        .setMaximumRingSize(UInt64Value.of(1024)))))
                .isEqualTo("ring_hash_lb_config.minimum_ring_size: 4096 exceeds maximum_ring_size 1024");
        assertThat(nack(Cluster.newBuilder().setLbPolicy(Cluster.LbPolicy.RING_HASH)
                .setRingHashLbConfig(Cluster.RingHashLbConfig.newBuilder()
                        .setMaximumRingSize(UInt64Value.of(10_000_000)))))
                .startsWith("ring_hash_lb_config.maximum_ring_size: 10000000 exceeds");
        assertThat(nack(Cluster.newBuilder().setLbPolicy(Cluster.LbPolicy.MAGLEV)
                .setMaglevLbConfig(Cluster.MaglevLbConfig.newBuilder().setTableSize(UInt64Value.of(1000)))))
                .startsWith("maglev_lb_config.table_size: 1000 is not a prime");
        assertThat(nack(Cluster.newBuilder().setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST)
                .setLeastRequestLbConfig(Cluster.LeastRequestLbConfig.newBuilder().setChoiceCount(UInt32Value.of(1)))))
                .isEqualTo("least_request_lb_config.choice_count: must be at least 2");
    }

    @Test
    void outlierDetectionGetsEnvoysDefaultsAndIstiosPanicThreshold() {
        var od = cluster(Cluster.newBuilder().setOutlierDetection(OutlierDetection.newBuilder()
                .setConsecutive5Xx(UInt32Value.of(3)).setEnforcingSuccessRate(UInt32Value.of(0)))
                .setCommonLbConfig(Cluster.CommonLbConfig.newBuilder().setHealthyPanicThreshold(
                        io.envoyproxy.envoy.type.v3.Percent.newBuilder().setValue(0)))).outlierDetection();
        assertThat(od).isEqualTo(new io.proxyless.mesh.runtime.model.OutlierDetection(3, 0, 0, false,
                Duration.ofSeconds(10), Duration.ofSeconds(30), 10, 0));
        var envoyDefaults = cluster(Cluster.newBuilder().setOutlierDetection(OutlierDetection.getDefaultInstance()))
                .outlierDetection();
        assertThat(envoyDefaults.consecutive5xx()).isEqualTo(5);
        assertThat(envoyDefaults.minHealthPercent()).as("Envoy's panic threshold").isEqualTo(50);
    }

    @Test
    void gatewayOnlyOutlierDetectionTurnsConsecutive5xxOff() {
        Findings f = new Findings();
        var od = XdsClusterResource.parseCluster(Cluster.newBuilder().setName("a").setOutlierDetection(
                OutlierDetection.newBuilder().setConsecutiveGatewayFailure(UInt32Value.of(2))
                        .setEnforcingConsecutiveGatewayFailure(UInt32Value.of(100))
                        .setEnforcingConsecutive5Xx(UInt32Value.of(0))).build(), CTX, f).cluster().outlierDetection();
        assertThat(od.consecutive5xx()).isZero();
        assertThat(od.consecutiveGatewayFailure()).isEqualTo(2);
        assertThat(f.warnings()).as("success-rate ejection is on by default in Envoy")
                .anyMatch(w -> w.path().equals("outlier_detection.enforcing_success_rate"));
    }

    @Test
    void negativeOrZeroDurationsAndPercentagesBeyond100AreNacked() {
        assertThat(nack(Cluster.newBuilder().setConnectTimeout(XdsFixtures.duration(Duration.ofSeconds(-1)))))
                .isEqualTo("connect_timeout: must be positive, got PT-1S");
        assertThat(nack(Cluster.newBuilder().setOutlierDetection(OutlierDetection.newBuilder()
                .setInterval(XdsFixtures.duration(Duration.ZERO)))))
                .isEqualTo("outlier_detection.interval: must be positive, got PT0S");
        assertThat(nack(Cluster.newBuilder().setOutlierDetection(OutlierDetection.newBuilder()
                .setEnforcingSuccessRate(UInt32Value.of(0)).setMaxEjectionPercent(UInt32Value.of(101)))))
                .isEqualTo("outlier_detection.max_ejection_percent: 101 exceeds 100");
        assertThat(nack(Cluster.newBuilder().putTypedExtensionProtocolOptions(XdsClusterResource.HTTP_OPTIONS,
                Any.pack(HttpProtocolOptions.newBuilder().setCommonHttpProtocolOptions(
                        io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions.newBuilder()
                                .setIdleTimeout(XdsFixtures.duration(Duration.ofSeconds(-5)))).build()))))
                .endsWith("common_http_protocol_options.idle_timeout: must not be negative, got PT-5S");
    }

    @Test
    void circuitBreakersGetEnvoysDefaultsForUnsetThresholds() {
        var c = cluster(Cluster.newBuilder().setConnectTimeout(XdsFixtures.duration(Duration.ofSeconds(1)))
                .setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(CircuitBreakers.Thresholds.newBuilder()
                        .setMaxConnections(UInt32Value.of(1)).setMaxPendingRequests(UInt32Value.of(2)))));
        assertThat(c.circuitBreakers()).isEqualTo(io.proxyless.mesh.runtime.model.CircuitBreakers.of(1, 2, 1024, 3));
        assertThat(c.connection().connectTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(cluster(Cluster.newBuilder()).connection().connectTimeout()).as("Envoy's default")
                .isEqualTo(Duration.ofSeconds(5));
        assertThat(nack(Cluster.newBuilder().setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(
                CircuitBreakers.Thresholds.newBuilder().setMaxRequests(UInt32Value.of(0))))))
                .startsWith("circuit_breakers.thresholds[0]: ");
    }

    @Test
    void idleTimeoutAndHttp2KeepAlivesComeFromTheHttpProtocolOptions() {
        var c = cluster(Cluster.newBuilder().putTypedExtensionProtocolOptions(XdsClusterResource.HTTP_OPTIONS,
                Any.pack(HttpProtocolOptions.newBuilder()
                        .setCommonHttpProtocolOptions(io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions
                                .newBuilder().setIdleTimeout(XdsFixtures.duration(Duration.ofMinutes(5))))
                        .setExplicitHttpConfig(HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                                .setHttp2ProtocolOptions(io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions
                                        .newBuilder().setConnectionKeepalive(io.envoyproxy.envoy.config.core.v3
                                                .KeepaliveSettings.newBuilder()
                                                .setInterval(XdsFixtures.duration(Duration.ofSeconds(30)))
                                                .setTimeout(XdsFixtures.duration(Duration.ofSeconds(5))))))
                        .build())));
        assertThat(c.connection().idleTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.connection().http2KeepAliveInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.connection().http2KeepAliveTimeout()).isEqualTo(Duration.ofSeconds(5));
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
        UpstreamTls s = cluster(Cluster.newBuilder().setTransportSocket(socket(tls))).tls();
        assertThat(s).isEqualTo(UpstreamTls.mutual(Path.of("/certs/cert-chain.pem"), Path.of("/certs/key.pem"),
                Path.of("/certs/root-cert.pem"), "outbound_.9080_._.reviews",
                List.of("spiffe://cluster.local/ns/default/sa/reviews")));
    }

    @Test
    void tlsWithoutValidationContextDoesNotVerifyTheServerLikeEnvoy() {
        UpstreamTls s = cluster(Cluster.newBuilder().setTransportSocket(socket(UpstreamTlsContext.getDefaultInstance())))
                .tls();
        assertThat(s.mode()).isEqualTo(UpstreamTls.Mode.SIMPLE);
        assertThat(s.insecureSkipVerify()).isTrue();
    }

    @Test
    void tlsThisClientCannotHonourIsNackedInsteadOfWeakened() {
        UpstreamTlsContext inlineKey = UpstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext
                .newBuilder().addTlsCertificates(TlsCertificate.newBuilder()
                        .setCertificateChain(DataSource.newBuilder().setFilename("/c.pem"))
                        .setPrivateKey(DataSource.newBuilder().setInlineString("-----BEGIN...")))).build();
        assertThat(nack(Cluster.newBuilder().setTransportSocket(socket(inlineKey))))
                .contains("tls_certificates[0].private_key: INLINE_STRING cannot be read by this client");
        UpstreamTlsContext regexSan = UpstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext
                .newBuilder().setValidationContext(CertificateValidationContext.newBuilder()
                        .addMatchSubjectAltNames(StringMatcher.newBuilder()
                                .setSafeRegex(RegexMatcher.newBuilder().setRegex(".*"))))).build();
        assertThat(nack(Cluster.newBuilder().setTransportSocket(socket(regexSan))))
                .contains("match_subject_alt_names[0]: only exact subject alt name matches");
        UpstreamTlsContext unknownSds = UpstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext
                .newBuilder().addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName("other")))
                .build();
        assertThat(nack(Cluster.newBuilder().setTransportSocket(socket(unknownSds))))
                .contains("SDS secret \"other\" names no certificate provider");
    }

    /** istiod's auto mTLS cluster: TLS for {@code tlsMode: istio} endpoints, raw buffer for the rest. */
    @Test
    void transportSocketMatchesBecomePerEndpointSocketsInOrder() {
        UpstreamTlsContext tls = UpstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
                .addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName("default"))
                .setValidationContextSdsSecretConfig(SdsSecretConfig.newBuilder().setName("ROOTCA"))).build();
        var c = cluster(Cluster.newBuilder()
                .addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder().setName("tlsMode-istio")
                        .setMatch(Struct.newBuilder().putFields("tlsMode", Value.newBuilder().setStringValue("istio")
                                .build()))
                        .setTransportSocket(socket(tls)))
                .addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder().setName("tlsMode-disabled")
                        .setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.raw_buffer")
                                .setTypedConfig(Any.pack(RawBuffer.getDefaultInstance())))));
        assertThat(c.tls()).as("the cluster's own socket: plain text").isNull();
        assertThat(c.transportSocketMatches()).containsExactly(
                new TransportSocketMatch("tlsMode-istio", Map.of("tlsMode", "istio"),
                        UpstreamTls.mutual(Path.of("/certs/cert-chain.pem"), Path.of("/certs/key.pem"),
                                Path.of("/certs/root-cert.pem"), null, List.of())),
                new TransportSocketMatch("tlsMode-disabled", Map.of(), null));
    }

    @Test
    void aTransportSocketMatchOnANonStringValueIsNacked() {
        assertThat(nack(Cluster.newBuilder().addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder()
                .setName("m").setMatch(Struct.newBuilder().putFields("n", Value.newBuilder().setNumberValue(1)
                        .build())))))
                .contains("transport_socket_matches[0].match.n: only string values can be matched");
    }

    private static TransportSocket socket(UpstreamTlsContext tls) {
        return TransportSocket.newBuilder().setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(tls))
                .build();
    }

    @Test
    void staticClustersCarryTheirOwnEndpointsAndCustomTypesAreNacked() {
        var u = ok(Cluster.newBuilder().setName("static").setType(Cluster.DiscoveryType.STATIC)
                .setLoadAssignment(XdsFixtures.assignment("whatever", List.of("10.0.0.9"), 8080)).build());
        assertThat(u.edsServiceName()).isNull();
        assertThat(u.inlineEndpoints().clusterName()).isEqualTo("static");
        assertThat(u.inlineEndpoints().endpoints()).extracting(e -> e.address() + ":" + e.port())
                .containsExactly("10.0.0.9:8080");
        assertThat(nack(Cluster.newBuilder().setClusterType(Cluster.CustomClusterType.newBuilder()
                .setName("envoy.clusters.aggregate"))))
                .isEqualTo("cluster_type: custom cluster type envoy.clusters.aggregate cannot be carried out by this"
                        + " client");
    }

    @Test
    void unsupportedClusterFieldsWarn() {
        Parsed<XdsClusterResource.Update> p = XdsClusterResource.parse(Cluster.newBuilder().setName("a")
                .setLrsServer(io.envoyproxy.envoy.config.core.v3.ConfigSource.getDefaultInstance()).build(), CTX);
        assertThat(p.warnings()).extracting(Findings.Finding::toString).contains("lrs_server: not supported; ignored");
    }
}
