package io.proxyless.mesh.grpc;

import static io.proxyless.mesh.grpc.Backend.REVIEWS_GET;
import static io.proxyless.mesh.grpc.MeshFixture.REVIEWS;
import static io.proxyless.mesh.grpc.MeshFixture.await;
import static io.proxyless.mesh.grpc.MeshFixture.call;
import static io.proxyless.mesh.grpc.MeshFixture.mesh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.tls.ClientTlsContexts;
import io.proxyless.mesh.runtime.tls.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DestinationRule TLS on gRPC channels, through mesh-runtime's TLS contexts, against real TLS servers: SIMPLE with
 * auto SAN validation against the call's host, MUTUAL, ISTIO_MUTUAL with SPIFFE identities, and client
 * certificate rotation.
 */
class MeshTlsTest {
    @TempDir
    static Path pki;

    @TempDir
    Path dir;

    private static TestPki.Issued ca;
    private Backend backend;
    private Mesh mesh;
    private ManagedChannel channel;

    @BeforeAll
    static void issueCertificates() {
        ca = TestPki.ca("mesh test root");
        ca.writeCertificate(pki.resolve("ca.pem"));
        issue("reviews", List.of("DNS:" + REVIEWS));
        issue("ratings", List.of("DNS:ratings.default.svc.cluster.local"));
        issue("spiffe-reviews", List.of("URI:spiffe://cluster.local/ns/default/sa/reviews"));
        issue("spiffe-ratings", List.of("URI:spiffe://cluster.local/ns/default/sa/ratings"));
        issue("client", List.of("URI:spiffe://cluster.local/ns/default/sa/productpage"));
    }

    private static void issue(String name, List<String> sans) {
        TestPki.Issued leaf = TestPki.leaf(ca, name, sans);
        leaf.writeCertificate(pki.resolve(name + ".pem"));
        leaf.writePrivateKey(pki.resolve(name + "-key.pem"));
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow();
            channel.awaitTermination(5, TimeUnit.SECONDS);
        }
        if (mesh != null) {
            mesh.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private static String serviceEntry(Backend b, String serviceAccount) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: reviews}
                spec:
                  hosts: [%s]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 9080, name: grpc, protocol: GRPC}]
                  endpoints:
                  - {address: 127.0.0.1, ports: {grpc: %d}%s}
                """.formatted(REVIEWS, b.port(), serviceAccount == null ? "" : ", serviceAccount: " + serviceAccount);
    }

    private static String tls(String settings) {
        return """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews}
                spec:
                  host: %s
                  trafficPolicy:
                    tls:
                """.formatted(REVIEWS) + settings.indent(6);
    }

    private Backend tlsBackend(String certificate, boolean requireClientCertificate) {
        backend = Backend.startTls("v1", pki.resolve(certificate + ".pem"), pki.resolve(certificate + "-key.pem"),
                requireClientCertificate ? pki.resolve("ca.pem") : null);
        return backend;
    }

    private ManagedChannel channel(MeshChannelOptions options, String... yaml) {
        mesh = mesh(dir, false, yaml);
        channel = MeshGrpc.channelBuilder(mesh, REVIEWS + ":9080").meshOptions(options).build();
        return channel;
    }

    @Test
    void simpleTlsVerifiesTheServerAgainstCaCertificatesAndTheCallsHost() {
        Backend b = tlsBackend("reviews", false);
        channel(MeshChannelOptions.defaults(), serviceEntry(b, null),
                tls("{mode: SIMPLE, caCertificates: " + pki.resolve("ca.pem") + "}"));
        assertThat(call(channel, REVIEWS_GET, "x")).isEqualTo("v1");
        assertThat(b.tls).containsExactly(true);
        assertThat(b.authorities).containsExactly(REVIEWS + ":9080");
    }

    @Test
    void simpleTlsRefusesAServerCertificateForAnotherHost() {
        Backend b = tlsBackend("ratings", false);
        channel(MeshChannelOptions.defaults(), serviceEntry(b, null),
                tls("{mode: SIMPLE, caCertificates: " + pki.resolve("ca.pem") + "}"));
        assertThatThrownBy(() -> call(channel, REVIEWS_GET, "x"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(causes(e)).contains("is not valid for host " + REVIEWS);
                });
        assertThat(b.calls.get()).isZero();
    }

    @Test
    void mutualTlsPresentsTheClientCertificate() {
        Backend b = tlsBackend("reviews", true);
        channel(MeshChannelOptions.defaults(), serviceEntry(b, null), tls("""
                mode: MUTUAL
                caCertificates: %s
                clientCertificate: %s
                privateKey: %s
                """.formatted(pki.resolve("ca.pem"), pki.resolve("client.pem"), pki.resolve("client-key.pem"))));
        assertThat(call(channel, REVIEWS_GET, "x")).isEqualTo("v1");
        assertThat(b.clientCertificates).containsExactly("CN=client");
    }

    @Test
    void istioMutualUsesWorkloadCertificatesAndVerifiesTheSpiffeIdentity() throws Exception {
        Path certs = workloadCertificates("client");
        Backend b = tlsBackend("spiffe-reviews", true);
        ClientTlsContexts contexts = ClientTlsContexts.builder().istioCertificates(certs).build();
        channel(MeshChannelOptions.defaults().withTls(contexts), serviceEntry(b, "reviews"),
                tls("{mode: ISTIO_MUTUAL}"));
        assertThat(call(channel, REVIEWS_GET, "x")).isEqualTo("v1");
        assertThat(b.clientCertificates).containsExactly("CN=client");
    }

    @Test
    void istioMutualRefusesAServerWithAnotherIdentity() throws Exception {
        Path certs = workloadCertificates("client");
        Backend b = tlsBackend("spiffe-ratings", true);
        ClientTlsContexts contexts = ClientTlsContexts.builder().istioCertificates(certs).build();
        channel(MeshChannelOptions.defaults().withTls(contexts), serviceEntry(b, "reviews"),
                tls("{mode: ISTIO_MUTUAL}"));
        assertThatThrownBy(() -> call(channel, REVIEWS_GET, "x"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                        assertThat(causes(e)).contains("spiffe://cluster.local/ns/default/sa/reviews"));
        assertThat(b.calls.get()).isZero();
    }

    @Test
    void istioMutualWithoutWorkloadCertificatesFailsWithStatusSayingWhatIsMissing() {
        Backend b = tlsBackend("spiffe-reviews", true);
        channel(MeshChannelOptions.defaults(), serviceEntry(b, "reviews"), tls("{mode: ISTIO_MUTUAL}"));
        assertThatThrownBy(() -> call(channel, REVIEWS_GET, "x"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(e.getStatus().getDescription()).startsWith("mesh:").contains("ISTIO_MUTUAL")
                            .contains("cert-chain.pem");
                });
    }

    @Test
    void rotatedClientCertificateIsUsedByNewConnectionsWithoutANewChannel() throws Exception {
        Path certs = workloadCertificates("client");
        Backend b = tlsBackend("spiffe-reviews", true);
        ClientTlsContexts contexts = ClientTlsContexts.builder().istioCertificates(certs)
                .reloadInterval(Duration.ofMillis(10)).build();
        channel(MeshChannelOptions.defaults().withTls(contexts), serviceEntry(b, "reviews"),
                tls("{mode: ISTIO_MUTUAL}"));
        assertThat(call(channel, REVIEWS_GET, "x")).isEqualTo("v1");

        TestPki.Issued rotated = TestPki.leaf(ca, "client-rotated",
                List.of("URI:spiffe://cluster.local/ns/default/sa/productpage"));
        rotated.writePrivateKey(certs.resolve("key.pem"));
        rotated.writeCertificate(certs.resolve("cert-chain.pem"));
        // Each try drops the connection so that the call handshakes again; the first handshake after the reload
        // interval reads the new files (the rotated key also ends TLS session resumption, which would otherwise
        // keep presenting the old certificate). Every call succeeds on the way.
        await("a handshake with the rotated certificate", () -> {
            channel.enterIdle();
            assertThat(call(channel, REVIEWS_GET, "x")).isEqualTo("v1");
            return b.clientCertificates.get(b.clientCertificates.size() - 1).equals("CN=client-rotated");
        });
    }

    /**
     * Istio's auto mTLS: no DestinationRule tls, one endpoint labelled {@code security.istio.io/tlsMode: istio}
     * (an mTLS server) and one not (a plain-text server); each gets what it speaks, per endpoint.
     */
    @Test
    void autoMtlsSendsIstioMutualToTheLabelledEndpointAndPlainTextToTheOther() throws Exception {
        Path certs = workloadCertificates("client");
        Backend mtls = tlsBackend("spiffe-reviews", true);
        Backend plain = Backend.start("plain");
        try {
            String yaml = """
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: reviews}
                    spec:
                      hosts: [%s]
                      location: MESH_INTERNAL
                      resolution: STATIC
                      ports: [{number: 9080, name: grpc, protocol: GRPC}]
                      endpoints:
                      - {address: 127.0.0.1, ports: {grpc: %d}, serviceAccount: reviews,
                         labels: {security.istio.io/tlsMode: istio}}
                      - {address: 127.0.0.1, ports: {grpc: %d}}
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: DestinationRule
                    metadata: {name: reviews}
                    spec:
                      host: %s
                      trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}
                    """.formatted(REVIEWS, mtls.port(), plain.port(), REVIEWS);
            MeshFixture.write(dir, yaml);
            mesh = Mesh.builder().configPaths(dir).namespace("default").watch(false)
                    .tls(ClientTlsContexts.builder().istioCertificates(certs).build()).build();
            channel = MeshGrpc.channelBuilder(mesh, REVIEWS + ":9080").build();
            for (int i = 0; i < 6; i++) {
                assertThat(call(channel, REVIEWS_GET, "x")).isIn("v1", "plain");
            }
            assertThat(mtls.calls.get()).isEqualTo(3);
            assertThat(mtls.clientCertificates).containsOnly("CN=client");
            assertThat(plain.calls.get()).isEqualTo(3);
            assertThat(plain.tls).containsOnly(false);
        } finally {
            plain.close();
        }
    }

    /** A directory as Istio mounts workload certificates: cert-chain.pem, key.pem, root-cert.pem. */
    private Path workloadCertificates(String leaf) throws Exception {
        Path certs = Files.createDirectories(dir.resolve("certs"));
        Files.copy(pki.resolve(leaf + ".pem"), certs.resolve("cert-chain.pem"));
        Files.copy(pki.resolve(leaf + "-key.pem"), certs.resolve("key.pem"));
        Files.copy(pki.resolve("ca.pem"), certs.resolve("root-cert.pem"));
        return certs;
    }

    private static String causes(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c).append('\n');
        }
        return sb.toString();
    }
}
