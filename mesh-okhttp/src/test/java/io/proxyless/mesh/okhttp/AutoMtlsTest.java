package io.proxyless.mesh.okhttp;

import static io.proxyless.mesh.runtime.testing.MeshYaml.destinationRule;
import static io.proxyless.mesh.runtime.testing.MeshYaml.endpoint;
import static io.proxyless.mesh.runtime.testing.MeshYaml.serviceEntry;
import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.testing.HttpUpstream;
import io.proxyless.mesh.runtime.testing.MeshYaml;
import io.proxyless.mesh.runtime.tls.TestPki;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Istio's auto mTLS on real servers: without a DestinationRule {@code tls}, ISTIO_MUTUAL to the endpoints labelled
 * {@code security.istio.io/tlsMode: istio} and plain text to the others, chosen per endpoint; a DestinationRule's
 * {@code tls} wins; {@code autoMtls(false)} sends plain text. From Istio files and from xDS.
 */
class AutoMtlsTest {
    private static final String SPIFFE_REVIEWS = "spiffe://cluster.local/ns/default/sa/reviews";
    private static final String ISTIO = "labels: {security.istio.io/tlsMode: istio}, serviceAccount: reviews";
    private static final String ROUND_ROBIN = "trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}";

    @TempDir
    Path dir;
    @TempDir
    Path certs;

    private TestPki.Issued root;
    private TestPki.Issued client;

    @BeforeEach
    void pki() {
        root = TestPki.ca("mesh root");
        client = TestPki.leaf(root, "productpage", List.of("URI:spiffe://cluster.local/ns/default/sa/productpage"));
        client.writeCertificate(certs.resolve("cert-chain.pem"));
        client.writePrivateKey(certs.resolve("key.pem"));
        root.writeCertificate(certs.resolve("root-cert.pem"));
    }

    /** A server that accepts only Istio mTLS: the workload certificate of {@code reviews}, client certificate required. */
    private HttpUpstream mtlsServer(Harness h) {
        return h.add(HttpUpstream.startHttps("mtls",
                TestPki.serverContext(TestPki.leaf(root, "reviews", List.of("URI:" + SPIFFE_REVIEWS)), root), true));
    }

    /** A mesh with workload certificates (auto mTLS on by default), over {@code documents}. */
    private Mesh mesh(UnaryOperator<Mesh.Builder> options, String... documents) {
        MeshYaml.write(dir, documents);
        return options.apply(Mesh.builder().configPaths(dir).namespace("default").watch(false)
                .istioCertificates(certs)).build();
    }

    @Test
    void aMixedClusterGetsMutualTlsToTheLabelledEndpointAndPlainTextToTheOther() throws IOException {
        try (Harness h = new Harness()) {
            HttpUpstream mtls = mtlsServer(h);
            HttpUpstream plain = h.upstream("plain");
            h.start(mesh(b -> b, serviceEntry("reviews", 9080, endpoint(mtls, ISTIO), endpoint(plain, "")),
                    destinationRule("reviews", ROUND_ROBIN)), b -> b);
            assertThat(h.mesh.autoMtls()).as("on by default with workload certificates").isTrue();

            for (int i = 0; i < 10; i++) {
                assertThat(h.get("http://reviews:9080/")).isIn("200 mtls", "200 plain");
            }
            assertThat(mtls.count()).as("each endpoint answered its share first time").isEqualTo(5);
            assertThat(plain.count()).isEqualTo(5);
            assertThat(mtls.recorded).allSatisfy(r -> assertThat(r.peerCertificates()).first()
                    .isEqualTo(client.certificate()));
        }
    }

    @Test
    void aLabelledEndpointWhosePeerAuthenticationIsDisableGetsPlainText() throws IOException {
        try (Harness h = new Harness()) {
            HttpUpstream mtls = mtlsServer(h);
            HttpUpstream plain = h.upstream("plain");
            // Both run the mesh's mTLS (labelled), but the plain one's workload policy is DISABLE: a server that
            // takes plain text only. Without the policy the client would send it TLS and fail.
            String plainLabels = "labels: {security.istio.io/tlsMode: istio, app: legacy}, serviceAccount: reviews";
            h.start(mesh(b -> b, serviceEntry("reviews", 9080, endpoint(mtls, ISTIO), endpoint(plain, plainLabels)),
                    destinationRule("reviews", ROUND_ROBIN), """
                    apiVersion: security.istio.io/v1
                    kind: PeerAuthentication
                    metadata: {name: legacy-plain-text, namespace: default}
                    spec:
                      selector: {matchLabels: {app: legacy}}
                      mtls: {mode: DISABLE}
                    """), b -> b);

            for (int i = 0; i < 10; i++) {
                assertThat(h.get("http://reviews:9080/")).isIn("200 mtls", "200 plain");
            }
            assertThat(mtls.count()).isEqualTo(5);
            assertThat(plain.count()).isEqualTo(5);
            assertThat(plain.recorded).allSatisfy(r -> assertThat(r.peerCertificates()).isEmpty());
        }
    }

    @Test
    void anExplicitDisableWinsOverTheLabel() throws IOException {
        try (Harness h = new Harness()) {
            HttpUpstream plain = h.upstream("plain");
            h.start(mesh(b -> b, serviceEntry("reviews", 9080, endpoint(plain, ISTIO)),
                    destinationRule("reviews", "trafficPolicy: {tls: {mode: DISABLE}}")), b -> b);
            assertThat(h.get("http://reviews:9080/")).isEqualTo("200 plain");
        }
    }

    @Test
    void anExplicitIstioMutualWinsForAnUnlabelledEndpoint() throws IOException {
        try (Harness h = new Harness()) {
            HttpUpstream mtls = mtlsServer(h);
            h.start(mesh(b -> b, serviceEntry("reviews", 9080, endpoint(mtls, "serviceAccount: reviews")),
                    destinationRule("reviews", "trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}")), b -> b);
            assertThat(h.get("http://reviews:9080/")).isEqualTo("200 mtls");
            assertThat(mtls.recorded.peek().peerCertificates()).first().isEqualTo(client.certificate());
        }
    }

    @Test
    void autoMtlsOffSendsPlainTextToLabelledEndpoints() throws IOException {
        try (Harness h = new Harness()) {
            HttpUpstream plain = h.upstream("plain");
            h.start(mesh(b -> b.autoMtls(false), serviceEntry("reviews", 9080, endpoint(plain, ISTIO))), b -> b);
            assertThat(h.get("http://reviews:9080/")).isEqualTo("200 plain");
        }
    }

    @Test
    void withoutWorkloadCertificatesAutoMtlsIsOffUnlessAskedFor() throws IOException {
        try (Harness h = new Harness()) {
            HttpUpstream mtls = mtlsServer(h);
            HttpUpstream plain = h.upstream("plain");
            MeshYaml.write(dir, serviceEntry("reviews", 9080, endpoint(plain, ISTIO)));
            try (Mesh off = Mesh.builder().configPaths(dir).namespace("default").watch(false).build()) {
                assertThat(off.autoMtls()).isFalse();
            }
            // The interceptor's own workload certificates, with auto mTLS asked for on the mesh.
            MeshYaml.write(dir, serviceEntry("reviews", 9080, endpoint(mtls, ISTIO), endpoint(plain, "")),
                    destinationRule("reviews", ROUND_ROBIN));
            h.start(Mesh.builder().configPaths(dir).namespace("default").watch(false).autoMtls(true).build(),
                    b -> b.istioCertificates(certs));
            for (int i = 0; i < 4; i++) {
                assertThat(h.get("http://reviews:9080/")).isIn("200 mtls", "200 plain");
            }
            assertThat(mtls.count()).isEqualTo(2);
            assertThat(plain.count()).isEqualTo(2);
        }
    }

    @Test
    void fromXdsTransportSocketMatchesChooseTlsPerEndpoint() throws Exception {
        try (XdsControlPlane cp = new XdsControlPlane(); Harness h = new Harness()) {
            HttpUpstream mtls = mtlsServer(h);
            HttpUpstream plain = h.upstream("plain");
            cp.serveAutoMtls(mtls, plain, certs);
            h.start(Mesh.builder().xdsBootstrap(cp.writeBootstrap(dir, false)).build(), b -> b);

            for (int i = 0; i < 10; i++) {
                assertThat(h.get("http://reviews:9080/")).isIn("200 mtls", "200 plain");
            }
            assertThat(mtls.count()).isEqualTo(5);
            assertThat(plain.count()).isEqualTo(5);
            assertThat(mtls.recorded).allSatisfy(r -> assertThat(r.peerCertificates()).first()
                    .isEqualTo(client.certificate()));
            assertThat(h.mesh.snapshot().warnings()).noneMatch(w -> w.contains("transport_socket_matches"));
        }
    }
}
