package io.proxyless.mesh.okhttp;

import static io.proxyless.mesh.runtime.testing.MeshYaml.destinationRule;
import static io.proxyless.mesh.runtime.testing.MeshYaml.endpoint;
import static io.proxyless.mesh.runtime.testing.MeshYaml.serviceEntry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proxyless.mesh.runtime.testing.HttpUpstream;
import io.proxyless.mesh.runtime.testing.MeshYaml;
import io.proxyless.mesh.runtime.tls.TestPki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateExpiredException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DestinationRule TLS against real TLS upstreams; the application keeps calling http:// URLs. */
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

    /** A TLS upstream with {@code serverCert}, trusting client certificates from the mesh root. */
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

    @Test
    void mutualTlsUpgradesTheLogicalHttpCallAndPresentsTheClientCertificate() throws IOException {
        try (Harness h = new Harness()) {
            HttpUpstream secure = tlsUpstream(h, TestPki.leaf(root, "reviews", List.of("DNS:reviews")), true);
            h.start(dir, reviews(secure), destinationRule("reviews", mutual()));
            assertThat(h.get("http://reviews:9080/reviews/1")).isEqualTo("200 secure");
            HttpUpstream.Received seen = secure.recorded.peek();
            assertThat(seen.peerCertificates()).as("reached over TLS with the client certificate").first()
                    .isEqualTo(client.certificate());
        }
    }

    @Test
    void istioMutualUsesTheWorkloadCertificatesAndVerifiesTheSpiffeIdentity() throws IOException {
        try (Harness h = new Harness()) {
            HttpUpstream secure = tlsUpstream(h, TestPki.leaf(root, "reviews", List.of("URI:" + SPIFFE_REVIEWS)), true);
            h.start(dir, b -> b.istioCertificates(certs), reviews(secure),
                    destinationRule("reviews", "trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}"));
            for (int i = 0; i < 5; i++) {
                assertThat(h.get("http://reviews:9080/")).isEqualTo("200 secure");
            }
            assertThat(secure.recorded.peek().peerCertificates()).first()
                    .isEqualTo(client.certificate());
        }
    }

    @Test
    void aServerFromAnotherCaFailsWithAClearTlsError() {
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
    void aServerWithTheWrongIdentityFailsNamingExpectedAndActualNames() {
        try (Harness h = new Harness()) {
            HttpUpstream secure = tlsUpstream(h, TestPki.leaf(root, "ratings",
                    List.of("URI:spiffe://cluster.local/ns/default/sa/ratings")), true);
            h.start(dir, b -> b.istioCertificates(certs), reviews(secure),
                    destinationRule("reviews", "trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}"));
            assertThatThrownBy(() -> h.get("http://reviews:9080/"))
                    .isInstanceOf(SSLHandshakeException.class)
                    .hasMessageContaining("URI:spiffe://cluster.local/ns/default/sa/ratings")
                    .hasMessageContaining("none matches the expected [" + SPIFFE_REVIEWS + "]");
        }
    }

    @Test
    void anExpiredServerCertificateFailsWithAClearTlsError() {
        try (Harness h = new Harness()) {
            Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            TestPki.Issued expired = TestPki.leaf(root, "reviews", List.of("DNS:reviews"),
                    now.minus(10, ChronoUnit.DAYS), now.minus(1, ChronoUnit.DAYS));
            HttpUpstream secure = tlsUpstream(h, expired, true);
            h.start(dir, reviews(secure), destinationRule("reviews", mutual()));
            assertThatThrownBy(() -> h.get("http://reviews:9080/"))
                    .isInstanceOf(SSLHandshakeException.class)
                    .hasMessageContaining("is not trusted by")
                    .hasRootCauseInstanceOf(CertificateExpiredException.class);
        }
    }

    @Test
    void aMissingClientCertificateFailsWithAClearTlsError() {
        try (Harness h = new Harness()) {
            HttpUpstream secure = tlsUpstream(h, TestPki.leaf(root, "reviews", List.of("DNS:reviews")), true);
            h.start(dir, reviews(secure), destinationRule("reviews", """
                    trafficPolicy:
                      tls: {mode: SIMPLE, caCertificates: %s}
                    """.formatted(certs.resolve("root-cert.pem"))));
            assertThatThrownBy(() -> h.get("http://reviews:9080/"))
                    .isInstanceOf(SSLHandshakeException.class)
                    .hasMessageContaining("outbound|9080||reviews.default.svc.cluster.local")
                    .hasMessageContaining("the server asked for a client certificate")
                    .hasMessageContaining("SIMPLE presents none");
            assertThat(secure.count()).isZero();
        }
    }

    @Test
    void simpleTlsVerifiesTheLogicalHostWhenNoSniOrSansAreGiven() throws IOException {
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

    /**
     * Five rotations between calls. Each rotation first writes only the certificate (for a moment it does not fit
     * the key) and makes a handshake look at that half-written pair, which must keep the previous pair working;
     * then it writes the key and calls until a handshake presents the new certificate. The test moves on the
     * mesh's observable effect, not on how fast this machine happens to be.
     */
    @Test
    void rotatingTheCertificateFilesMidTrafficCausesNoFailure() throws Exception {
        Duration checkInterval = Duration.ofMillis(20);
        try (Harness h = new Harness()) {
            HttpUpstream secure = tlsUpstream(h, TestPki.leaf(root, "reviews", List.of("URI:" + SPIFFE_REVIEWS)), true);
            h.start(dir, b -> b.istioCertificates(certs).certificateCheckInterval(checkInterval),
                    reviews(secure), destinationRule("reviews", "trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}"));
            List<X509Certificate> rotatedIn = new ArrayList<>(List.of(client.certificate()));
            assertThat(handshake(h, secure)).isEqualTo(client.certificate());
            for (int i = 0; i < 5; i++) {
                X509Certificate before = rotatedIn.get(rotatedIn.size() - 1);
                TestPki.Issued next = TestPki.leaf(root, "productpage-" + i, List.of("URI:" + SPIFFE_PRODUCTPAGE));
                next.writeCertificate(certs.resolve("cert-chain.pem"));
                // Not a timing assertion: the first handshake a check interval after the write is sure to look at
                // the files again, and this one must find the half-written pair unusable and keep the old one.
                long written = System.nanoTime();
                Harness.await("the check interval to pass", () -> System.nanoTime() - written > checkInterval.toNanos());
                assertThat(handshake(h, secure)).as("mid-rotation handshake").isEqualTo(before);
                next.writePrivateKey(certs.resolve("key.pem"));
                rotatedIn.add(next.certificate());
                Harness.await("a handshake with " + next.certificate().getSubjectX500Principal(),
                        () -> handshake(h, secure).equals(next.certificate()));
            }
            Set<X509Certificate> presented = new HashSet<>();
            secure.recorded.forEach(r -> presented.add((X509Certificate) r.peerCertificates().get(0)));
            assertThat(presented).as("every rotated-in certificate was presented, nothing else")
                    .containsExactlyInAnyOrderElementsOf(rotatedIn);
            assertThat(Files.readString(certs.resolve("cert-chain.pem"))).isNotEmpty();
        }
    }

    /** Calls on a new connection (so, a new handshake), which must succeed; the client certificate it presented. */
    private static X509Certificate handshake(Harness h, HttpUpstream secure) {
        h.client.connectionPool().evictAll();
        int seen = secure.recorded.size();
        try {
            assertThat(h.get("http://reviews:9080/")).isEqualTo("200 secure");
        } catch (IOException e) {
            throw new AssertionError("a call failed during the rotation", e);
        }
        HttpUpstream.Received call = secure.recorded.stream().skip(seen).findFirst().orElseThrow();
        return (X509Certificate) call.peerCertificates().get(0);
    }
}
