package io.proxyless.mesh.jdkhttp;

import static io.proxyless.mesh.runtime.testing.MeshYaml.destinationRule;
import static io.proxyless.mesh.runtime.testing.MeshYaml.endpoint;
import static io.proxyless.mesh.runtime.testing.MeshYaml.serviceEntry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.testing.HttpUpstream;
import io.proxyless.mesh.runtime.testing.MeshYaml;
import io.proxyless.mesh.runtime.tls.ClientTlsContexts;
import io.proxyless.mesh.runtime.tls.TestPki;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DestinationRule TLS against real TLS upstreams with the JDK client: the application keeps calling http://
 * URLs; each attempt goes to the endpoint's address, and the server is verified against the cluster's names (or
 * the logical host), never against that address.
 */
class TlsTest {
    @TempDir
    Path dir;
    @TempDir
    Path certs;

    private static final String SPIFFE_REVIEWS = "spiffe://cluster.local/ns/default/sa/reviews";
    private static final String SPIFFE_PRODUCTPAGE = "spiffe://cluster.local/ns/default/sa/productpage";

    private TestPki.Issued root;
    private TestPki.Issued client;

    @BeforeEach
    void pki() {
        root = TestPki.ca("mesh root");
        client = TestPki.leaf(root, "productpage", List.of("URI:" + SPIFFE_PRODUCTPAGE));
        client.writeCertificate(certs.resolve("cert-chain.pem"));
        client.writePrivateKey(certs.resolve("key.pem"));
        root.writeCertificate(certs.resolve("root-cert.pem"));
    }

    /** A TLS upstream presenting {@code serverCert}, trusting client certificates from the mesh root. */
    private HttpUpstream tlsUpstream(Harness h, TestPki.Issued serverCert, boolean requireClientAuth) {
        return h.add(HttpUpstream.startHttps("secure", TestPki.serverContext(serverCert, root), requireClientAuth));
    }

    private String mutual() {
        return """
                trafficPolicy:
                  tls:
                    mode: MUTUAL
                    clientCertificate: %s
                    privateKey: %s
                    caCertificates: %s
                """.formatted(certs.resolve("cert-chain.pem"), certs.resolve("key.pem"),
                certs.resolve("root-cert.pem"));
    }

    private static String reviews(HttpUpstream u) {
        return serviceEntry("reviews", 9080, endpoint(u, "serviceAccount: reviews"));
    }

    /** A mesh whose TLS contexts have the workload certificates (for ISTIO_MUTUAL). */
    private void startIstioMutual(Harness h, String... documents) {
        MeshYaml.write(dir, documents);
        Mesh mesh = Mesh.builder().configPaths(dir).namespace("default").watch(false)
                .tls(ClientTlsContexts.builder().istioCertificates(certs).build()).build();
        h.start(mesh, b -> b);
    }

    @Test
    void mutualTlsUpgradesTheLogicalHttpCallAndPresentsTheClientCertificate() throws Exception {
        try (Harness h = new Harness()) {
            HttpUpstream secure = tlsUpstream(h, TestPki.leaf(root, "reviews", List.of("DNS:reviews")), true);
            h.start(dir, reviews(secure), destinationRule("reviews", mutual()));
            assertThat(h.get("http://reviews:9080/reviews/1")).isEqualTo("200 secure");
            HttpUpstream.Received seen = secure.recorded.peek();
            assertThat(seen.peerCertificates()).as("reached over TLS with the client certificate").first()
                    .isEqualTo(client.certificate());
            assertThat(seen.header("Host")).isEqualTo("reviews:9080");
        }
    }

    @Test
    void istioMutualUsesTheWorkloadCertificatesAndVerifiesTheSpiffeIdentity() throws Exception {
        try (Harness h = new Harness()) {
            HttpUpstream secure = tlsUpstream(h, TestPki.leaf(root, "reviews", List.of("URI:" + SPIFFE_REVIEWS)),
                    true);
            startIstioMutual(h, reviews(secure),
                    destinationRule("reviews", "trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}"));
            for (int i = 0; i < 5; i++) {
                assertThat(h.get("http://reviews:9080/")).isEqualTo("200 secure");
            }
            assertThat(secure.recorded.peek().peerCertificates()).first().isEqualTo(client.certificate());
        }
    }

    /** Istio's auto mTLS: no DestinationRule tls; the labelled endpoint gets mTLS, the other plain text. */
    @Test
    void autoMtlsChoosesTlsPerEndpoint() throws Exception {
        try (Harness h = new Harness()) {
            HttpUpstream secure = tlsUpstream(h, TestPki.leaf(root, "reviews", List.of("URI:" + SPIFFE_REVIEWS)),
                    true);
            HttpUpstream plain = h.add(HttpUpstream.start("plain"));
            startIstioMutual(h, serviceEntry("reviews", 9080,
                            endpoint(secure, "serviceAccount: reviews, labels: {security.istio.io/tlsMode: istio}"),
                            endpoint(plain, "")),
                    destinationRule("reviews", "trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}"));
            for (int i = 0; i < 6; i++) {
                assertThat(h.get("http://reviews:9080/")).isIn("200 secure", "200 plain");
            }
            assertThat(secure.count()).isEqualTo(3);
            assertThat(plain.count()).isEqualTo(3);
            assertThat(secure.recorded).allSatisfy(r -> assertThat(r.peerCertificates()).first()
                    .isEqualTo(client.certificate()));
        }
    }

    @Test
    void theWorkloadCertificatesCanBeGivenToTheClientInsteadOfTheMesh() throws Exception {
        try (Harness h = new Harness()) {
            HttpUpstream secure = tlsUpstream(h, TestPki.leaf(root, "reviews", List.of("URI:" + SPIFFE_REVIEWS)),
                    true);
            h.start(dir, b -> b.istioCertificates(certs), reviews(secure),
                    destinationRule("reviews", "trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}"));
            assertThat(h.get("http://reviews:9080/")).isEqualTo("200 secure");
            assertThat(secure.recorded.peek().peerCertificates()).first().isEqualTo(client.certificate());
        }
    }

    @Test
    void anHttpsUriTheApplicationCallsIsRoutedAndVerifiedAgainstTheLogicalHost() throws Exception {
        try (Harness h = new Harness()) {
            HttpUpstream secure = tlsUpstream(h, TestPki.leaf(root, "reviews", List.of("DNS:reviews")), false);
            MeshYaml.write(dir, reviews(secure));
            Mesh mesh = Mesh.builder().configPaths(dir).namespace("default").watch(false).build();
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            trusted.setCertificateEntry("root", root.certificate());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trusted);
            SSLContext applicationTls = SSLContext.getInstance("TLS");
            applicationTls.init(null, tmf.getTrustManagers(), null);
            h.mesh = mesh;
            h.client = MeshHttpClient.wrap(HttpClient.newBuilder().sslContext(applicationTls).build(), mesh);
            assertThat(h.get("https://reviews:9080/")).isEqualTo("200 secure");
            assertThat(secure.hosts()).containsExactly("reviews:9080");
        }
    }

    @Test
    void aServerFromAnotherCaFailsWithAClearTlsError() throws Exception {
        try (Harness h = new Harness()) {
            TestPki.Issued otherRoot = TestPki.ca("other root");
            HttpUpstream secure = tlsUpstream(h, TestPki.leaf(otherRoot, "reviews", List.of("DNS:reviews")), true);
            h.start(dir, reviews(secure), destinationRule("reviews", mutual()));
            assertThatThrownBy(() -> h.get("http://reviews:9080/"))
                    .isInstanceOf(SSLHandshakeException.class)
                    .hasMessageContaining("outbound|9080||reviews.default.svc.cluster.local")
                    .hasMessageContaining("is not trusted by " + certs.resolve("root-cert.pem"));
            assertThat(secure.count()).isZero();
        }
    }

    @Test
    void aServerWithTheWrongIdentityFailsNamingExpectedAndActualNames() throws Exception {
        try (Harness h = new Harness()) {
            HttpUpstream secure = tlsUpstream(h, TestPki.leaf(root, "ratings",
                    List.of("URI:spiffe://cluster.local/ns/default/sa/ratings")), true);
            startIstioMutual(h, reviews(secure),
                    destinationRule("reviews", "trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}"));
            assertThatThrownBy(() -> h.get("http://reviews:9080/"))
                    .isInstanceOf(SSLHandshakeException.class)
                    .hasMessageContaining("URI:spiffe://cluster.local/ns/default/sa/ratings")
                    .hasMessageContaining("none matches the expected [" + SPIFFE_REVIEWS + "]");
        }
    }

    @Test
    void anExpiredServerCertificateFailsWithAClearTlsError() throws Exception {
        try (Harness h = new Harness()) {
            Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            TestPki.Issued expired = TestPki.leaf(root, "reviews", List.of("DNS:reviews"),
                    now.minus(10, ChronoUnit.DAYS), now.minus(1, ChronoUnit.DAYS));
            HttpUpstream secure = tlsUpstream(h, expired, true);
            h.start(dir, reviews(secure), destinationRule("reviews", mutual()));
            assertThatThrownBy(() -> h.get("http://reviews:9080/"))
                    .isInstanceOf(SSLHandshakeException.class)
                    .hasMessageContaining("is not trusted by");
        }
    }

    @Test
    void simpleTlsVerifiesTheLogicalHostNotTheEndpointAddressWhenNoSniOrSansAreGiven() throws Exception {
        try (Harness h = new Harness()) {
            HttpUpstream secure = tlsUpstream(h, TestPki.leaf(root, "reviews", List.of("DNS:reviews")), false);
            HttpUpstream wrongHost = tlsUpstream(h, TestPki.leaf(root, "other", List.of("DNS:ratings")), false);
            h.start(dir, reviews(secure), serviceEntry("details", 9080, endpoint(wrongHost, "")),
                    destinationRule("reviews", "trafficPolicy: {tls: {mode: SIMPLE, caCertificates: %s}}"
                            .formatted(certs.resolve("root-cert.pem"))),
                    destinationRule("details", "trafficPolicy: {tls: {mode: SIMPLE, caCertificates: %s}}"
                            .formatted(certs.resolve("root-cert.pem"))));
            assertThat(h.get("http://reviews:9080/")).isEqualTo("200 secure");
            assertThatThrownBy(() -> h.get("http://details:9080/"))
                    .isInstanceOf(SSLHandshakeException.class).hasMessageContaining("not valid for host details");
        }
    }

    @Test
    void derivedClientsBelongToTheWrappedClientAndAreReusedAcrossCalls() throws Exception {
        try (Harness h = new Harness()) {
            HttpUpstream secure = tlsUpstream(h, TestPki.leaf(root, "reviews", List.of("DNS:reviews")), true);
            h.start(dir, reviews(secure), destinationRule("reviews", mutual()));
            for (int i = 0; i < 5; i++) {
                h.get("http://reviews:9080/");
            }
            assertThat(h.client.upstreams().size()).as("one client for the cluster's TLS context").isEqualTo(1);
            MeshHttpClient other = MeshHttpClient.wrap(HttpClient.newHttpClient(), h.mesh);
            assertThat(other.upstreams().size()).as("nothing shared through the JVM").isZero();
        }
    }
}
