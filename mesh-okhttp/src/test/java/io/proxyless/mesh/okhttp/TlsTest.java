package io.proxyless.mesh.okhttp;

import static io.proxyless.mesh.okhttp.MeshConfigs.destinationRule;
import static io.proxyless.mesh.okhttp.MeshConfigs.endpoint;
import static io.proxyless.mesh.okhttp.MeshConfigs.serviceEntry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proxyless.mesh.runtime.tls.TestPki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateExpiredException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLHandshakeException;
import mockwebserver3.RecordedRequest;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
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
    private Upstream tlsUpstream(Harness h, TestPki.Issued serverCert, boolean requireClientAuth) {
        HandshakeCertificates server = new HandshakeCertificates.Builder()
                .heldCertificate(new HeldCertificate(serverCert.keyPair(), serverCert.certificate()))
                .addTrustedCertificate(root.certificate())
                .build();
        return h.add(Upstream.startHttps("secure", server, requireClientAuth));
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

    private static String reviews(Upstream u) {
        return serviceEntry("reviews", 9080, endpoint(u, "serviceAccount: reviews"));
    }

    @Test
    void mutualTlsUpgradesTheLogicalHttpCallAndPresentsTheClientCertificate() throws IOException {
        try (Harness h = new Harness()) {
            Upstream secure = tlsUpstream(h, TestPki.leaf(root, "reviews", List.of("DNS:reviews")), true);
            h.start(dir, reviews(secure), destinationRule("reviews", mutual()));
            assertThat(h.get("http://reviews:9080/reviews/1")).isEqualTo("200 secure");
            RecordedRequest seen = secure.recorded.peek();
            assertThat(seen.getHandshake()).as("the upstream was reached over TLS").isNotNull();
            assertThat(seen.getHandshake().peerCertificates()).first().isEqualTo(client.certificate());
        }
    }

    @Test
    void istioMutualUsesTheWorkloadCertificatesAndVerifiesTheSpiffeIdentity() throws IOException {
        try (Harness h = new Harness()) {
            Upstream secure = tlsUpstream(h, TestPki.leaf(root, "reviews", List.of("URI:" + SPIFFE_REVIEWS)), true);
            h.start(dir, b -> b.istioCertificates(certs), reviews(secure),
                    destinationRule("reviews", "trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}"));
            for (int i = 0; i < 5; i++) {
                assertThat(h.get("http://reviews:9080/")).isEqualTo("200 secure");
            }
            assertThat(secure.recorded.peek().getHandshake().peerCertificates()).first()
                    .isEqualTo(client.certificate());
        }
    }

    @Test
    void aServerFromAnotherCaFailsWithAClearTlsError() {
        try (Harness h = new Harness()) {
            TestPki.Issued otherRoot = TestPki.ca("other root");
            Upstream secure = tlsUpstream(h, TestPki.leaf(otherRoot, "reviews", List.of("DNS:reviews")), true);
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
            Upstream secure = tlsUpstream(h, TestPki.leaf(root, "ratings",
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
            Upstream secure = tlsUpstream(h, expired, true);
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
            Upstream secure = tlsUpstream(h, TestPki.leaf(root, "reviews", List.of("DNS:reviews")), true);
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
            Upstream secure = tlsUpstream(h, TestPki.leaf(root, "reviews", List.of("DNS:reviews")), false);
            Upstream wrongHost = tlsUpstream(h, TestPki.leaf(root, "other", List.of("DNS:ratings")), false);
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
    void rotatingTheCertificateFilesMidTrafficCausesNoFailure() throws Exception {
        try (Harness h = new Harness()) {
            Upstream secure = tlsUpstream(h, TestPki.leaf(root, "reviews", List.of("URI:" + SPIFFE_REVIEWS)), true);
            h.start(dir, b -> b.istioCertificates(certs).certificateCheckInterval(Duration.ofMillis(20)),
                    reviews(secure), destinationRule("reviews", "trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}"));
            Set<X509Certificate> rotatedIn = ConcurrentHashMap.newKeySet();
            rotatedIn.add(client.certificate());
            AtomicBoolean done = new AtomicBoolean();
            Thread rotator = new Thread(() -> {
                try {
                    for (int i = 0; i < 5 && !done.get(); i++) {
                        Thread.sleep(120);
                        TestPki.Issued next = TestPki.leaf(root, "productpage-" + i, List.of("URI:" + SPIFFE_PRODUCTPAGE));
                        rotatedIn.add(next.certificate());
                        // Not atomic on purpose: for a moment the certificate and the key do not match.
                        next.writeCertificate(certs.resolve("cert-chain.pem"));
                        Thread.sleep(5);
                        next.writePrivateKey(certs.resolve("key.pem"));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            rotator.start();
            AtomicInteger failures = new AtomicInteger();
            int calls = 0;
            while (rotator.isAlive() || calls < 50) {
                try {
                    if (!h.get("http://reviews:9080/").equals("200 secure")) {
                        failures.incrementAndGet();
                    }
                } catch (IOException e) {
                    failures.incrementAndGet();
                }
                if (++calls % 5 == 0) {
                    h.client.connectionPool().evictAll(); // force new handshakes
                }
            }
            done.set(true);
            rotator.join();
            assertThat(failures.get()).as("failures over %d calls", calls).isZero();
            Set<X509Certificate> presented = ConcurrentHashMap.newKeySet();
            secure.recorded.forEach(r -> presented.add((X509Certificate) r.getHandshake().peerCertificates().get(0)));
            assertThat(presented).as("new certificates were presented after rotation").hasSizeGreaterThan(2);
            assertThat(rotatedIn).containsAll(presented);
            assertThat(Files.readString(certs.resolve("cert-chain.pem"))).isNotEmpty();
        }
    }
}
