package io.proxyless.mesh.runtime.routing;

import static io.proxyless.mesh.runtime.testing.MeshYaml.destinationRule;
import static io.proxyless.mesh.runtime.testing.MeshYaml.endpoint;
import static io.proxyless.mesh.runtime.testing.MeshYaml.serviceEntry;
import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.ClientTLSSettings.TLSmode;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.config.MeshConfig;
import io.proxyless.mesh.runtime.model.ClusterKey;
import io.proxyless.mesh.runtime.model.ClusterLoadAssignment;
import io.proxyless.mesh.runtime.model.LbEndpoint;
import io.proxyless.mesh.runtime.model.MeshModel;
import io.proxyless.mesh.runtime.model.TransportSocketMatch;
import io.proxyless.mesh.runtime.model.UpstreamTls;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.testing.MeshYaml;
import io.proxyless.mesh.runtime.testing.PushConfigSource;
import io.proxyless.mesh.runtime.tls.ClientTlsPolicy;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Istio's auto mTLS as the compiler decides it, per endpoint: from Istio config (the endpoints' tlsMode label,
 * MeshConfig's {@code enableAutoMtls} as {@code autoMtls}, a DestinationRule's {@code tls} winning) and from a
 * route model's {@code transport_socket_matches} (first match wins, the cluster's own socket for the rest).
 */
class AutoMtlsTest {
    private static final String CLUSTER = "outbound|9080||reviews.default.svc.cluster.local";
    private static final String LABELLED = "labels: {security.istio.io/tlsMode: istio}, serviceAccount: reviews";

    @TempDir
    Path dir;

    private Map<Integer, TLSmode> modes(UnaryOperator<Mesh.Builder> options, String... documents) {
        MeshYaml.write(dir, documents);
        try (Mesh mesh = options.apply(Mesh.builder().configPaths(dir).namespace("default").watch(false)).build()) {
            return modes(mesh.snapshot().clusters().get(CLUSTER));
        }
    }

    /** The TLS mode per endpoint port, DISABLE for plain text. */
    private static Map<Integer, TLSmode> modes(Cluster cluster) {
        return cluster.endpoints().stream().collect(java.util.stream.Collectors.toMap(Endpoint::port,
                e -> cluster.tlsPolicy(e) == null ? TLSmode.DISABLE : cluster.tlsPolicy(e).mode()));
    }

    private static String twoEndpoints() {
        return serviceEntry("reviews", 9080, endpoint(1001, LABELLED), endpoint(1002, ""));
    }

    @Test
    void labelledEndpointsGetIstioMutualWithTheServiceIdentityAndTheOthersPlainText() {
        MeshYaml.write(dir, twoEndpoints());
        try (Mesh mesh = Mesh.builder().configPaths(dir).namespace("default").watch(false).autoMtls(true).build()) {
            Cluster cluster = mesh.snapshot().clusters().get(CLUSTER);
            assertThat(modes(cluster)).containsExactlyInAnyOrderEntriesOf(Map.of(1001, TLSmode.ISTIO_MUTUAL,
                    1002, TLSmode.DISABLE));
            ClientTlsPolicy policy = cluster.tlsPolicy(cluster.endpoints().stream().filter(e -> e.port() == 1001)
                    .findFirst().orElseThrow());
            assertThat(policy.subjectAltNames()).containsExactly("spiffe://cluster.local/ns/default/sa/reviews");
            assertThat(policy.sni()).isEqualTo("outbound_.9080_._.reviews.default.svc.cluster.local");
            assertThat(cluster.tlsPolicy()).as("the cluster's own socket").isNull();
            assertThat(mesh.dump().cluster(CLUSTER).orElseThrow().endpoints())
                    .as("the dump shows each endpoint's TLS")
                    .extracting(e -> e.port() + " " + e.tlsMode())
                    .containsExactlyInAnyOrder("1001 ISTIO_MUTUAL", "1002 DISABLE");
        }
    }

    @Test
    void aDestinationRuleTlsWinsWhateverTheLabels() {
        assertThat(modes(b -> b.autoMtls(true), twoEndpoints(),
                destinationRule("reviews", "trafficPolicy: {tls: {mode: DISABLE}}")))
                .containsExactlyInAnyOrderEntriesOf(Map.of(1001, TLSmode.DISABLE, 1002, TLSmode.DISABLE));
        assertThat(modes(b -> b.autoMtls(true), twoEndpoints(),
                destinationRule("reviews", "trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}")))
                .containsExactlyInAnyOrderEntriesOf(Map.of(1001, TLSmode.ISTIO_MUTUAL, 1002, TLSmode.ISTIO_MUTUAL));
    }

    @Test
    void aDestinationRuleWithoutTlsLeavesAutoMtlsOn() {
        assertThat(modes(b -> b.autoMtls(true), twoEndpoints(),
                destinationRule("reviews", "trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}")))
                .containsExactlyInAnyOrderEntriesOf(Map.of(1001, TLSmode.ISTIO_MUTUAL, 1002, TLSmode.DISABLE));
    }

    @Test
    void offOrWithoutWorkloadCertificatesEverythingIsPlainText() {
        assertThat(modes(b -> b.autoMtls(false), twoEndpoints()))
                .containsExactlyInAnyOrderEntriesOf(Map.of(1001, TLSmode.DISABLE, 1002, TLSmode.DISABLE));
        assertThat(modes(b -> b, twoEndpoints())).as("default: off without workload certificates")
                .containsExactlyInAnyOrderEntriesOf(Map.of(1001, TLSmode.DISABLE, 1002, TLSmode.DISABLE));
    }

    private static String peerAuthentication(String name, String namespace, String spec) {
        return """
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: %s, namespace: %s}
                spec: %s
                """.formatted(name, namespace, spec);
    }

    private static String twoLabelledEndpoints() {
        return serviceEntry("reviews", 9080,
                endpoint(1001, "labels: {security.istio.io/tlsMode: istio, version: v1}, serviceAccount: reviews"),
                endpoint(1002, "labels: {security.istio.io/tlsMode: istio, version: v2}, serviceAccount: reviews"));
    }

    @Test
    void endpointsWhosePeerAuthenticationIsDisableGetPlainText() {
        Map<Integer, TLSmode> both = Map.of(1001, TLSmode.ISTIO_MUTUAL, 1002, TLSmode.ISTIO_MUTUAL);
        Map<Integer, TLSmode> none = Map.of(1001, TLSmode.DISABLE, 1002, TLSmode.DISABLE);
        Map<Integer, TLSmode> v2Only = Map.of(1001, TLSmode.DISABLE, 1002, TLSmode.ISTIO_MUTUAL);
        assertThat(modes(b -> b.autoMtls(true), twoLabelledEndpoints())).containsExactlyInAnyOrderEntriesOf(both);
        assertThat(modes(b -> b.autoMtls(true), twoLabelledEndpoints(),
                peerAuthentication("default", "default", "{mtls: {mode: DISABLE}}")))
                .as("the destination's namespace").containsExactlyInAnyOrderEntriesOf(none);
        assertThat(modes(b -> b.autoMtls(true), twoLabelledEndpoints(),
                peerAuthentication("default", "istio-system", "{mtls: {mode: DISABLE}}")))
                .as("mesh-wide").containsExactlyInAnyOrderEntriesOf(none);
        assertThat(modes(b -> b.autoMtls(true), twoLabelledEndpoints(),
                peerAuthentication("default", "istio-system", "{mtls: {mode: DISABLE}}"),
                peerAuthentication("default", "default", "{mtls: {mode: PERMISSIVE}}")))
                .as("the namespace's mode beats the mesh's").containsExactlyInAnyOrderEntriesOf(both);
        assertThat(modes(b -> b.autoMtls(true), twoLabelledEndpoints(),
                peerAuthentication("default", "other", "{mtls: {mode: DISABLE}}")))
                .as("another namespace").containsExactlyInAnyOrderEntriesOf(both);
        assertThat(modes(b -> b.autoMtls(true), twoLabelledEndpoints(),
                peerAuthentication("v1-plain", "default", "{selector: {matchLabels: {version: v1}}, "
                        + "mtls: {mode: DISABLE}}")))
                .as("a workload selector on the endpoints' labels").containsExactlyInAnyOrderEntriesOf(v2Only);
        assertThat(modes(b -> b.autoMtls(true), twoLabelledEndpoints(),
                peerAuthentication("port", "default", "{selector: {matchLabels: {app: reviews}}, "
                        + "portLevelMtls: {\"1001\": {mode: DISABLE}}}")))
                .as("a selector that matches no endpoint").containsExactlyInAnyOrderEntriesOf(both);
        assertThat(modes(b -> b.autoMtls(true), twoLabelledEndpoints(),
                peerAuthentication("port", "default", "{selector: {matchLabels: {security.istio.io/tlsMode: istio}}, "
                        + "portLevelMtls: {\"1001\": {mode: DISABLE}}}")))
                .as("portLevelMtls names the port the endpoint listens on").containsExactlyInAnyOrderEntriesOf(v2Only);
        assertThat(modes(b -> b.autoMtls(true), twoLabelledEndpoints(),
                peerAuthentication("default", "default", "{mtls: {mode: DISABLE}}"),
                destinationRule("reviews", "trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}")))
                .as("a DestinationRule tls still wins").containsExactlyInAnyOrderEntriesOf(both);
    }

    @Test
    void meshExternalServicesGetNoAutoMtls() {
        String external = twoEndpoints().replace("location: MESH_INTERNAL", "location: MESH_EXTERNAL");
        assertThat(modes(b -> b.autoMtls(true), external))
                .containsExactlyInAnyOrderEntriesOf(Map.of(1001, TLSmode.DISABLE, 1002, TLSmode.DISABLE));
    }

    @Test
    void modelMatchesTakeTheFirstMatchingEntryAndTheClustersOwnSocketForTheRest() {
        UpstreamTls simple = UpstreamTls.simple(null, "api.example.com", List.of());
        ClusterKey key = ClusterKey.of(9080, "", "reviews.default.svc.cluster.local");
        io.proxyless.mesh.runtime.model.Cluster cluster = io.proxyless.mesh.runtime.model.Cluster.eds(key)
                .withTls(simple).withTransportSocketMatches(List.of(
                        new TransportSocketMatch("istio", Map.of("tlsMode", "istio"),
                                UpstreamTls.istioMutual(null, List.of())),
                        new TransportSocketMatch("istio-v1", Map.of("tlsMode", "istio", "v", "1"), null)));
        Function<Map<String, String>, LbEndpoint> at = new Function<>() {
            int port = 1000;

            @Override
            public LbEndpoint apply(Map<String, String> metadata) {
                return LbEndpoint.of("127.0.0.1", ++port).withTransportSocketMatch(metadata);
            }
        };
        MeshModel model = MeshModel.of(List.of(), List.of(cluster), List.of(ClusterLoadAssignment.of(key.name(),
                List.of(at.apply(Map.of("tlsMode", "istio", "v", "1")), at.apply(Map.of("tlsMode", "disabled")),
                        at.apply(Map.of())))), MeshModel.OutboundPolicy.ALLOW_ANY, List.of());
        try (Mesh mesh = Mesh.builder().configSource(new PushConfigSource(MeshConfig.ofModel(model, List.of())))
                .build()) {
            assertThat(modes(mesh.snapshot().clusters().get(key.name()))).containsExactlyInAnyOrderEntriesOf(Map.of(
                    1001, TLSmode.ISTIO_MUTUAL, 1002, TLSmode.SIMPLE, 1003, TLSmode.SIMPLE));
        }
    }
}
