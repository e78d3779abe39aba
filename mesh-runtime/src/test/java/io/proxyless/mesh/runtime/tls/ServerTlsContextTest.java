package io.proxyless.mesh.runtime.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proxyless.mesh.runtime.testing.FakeClock;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server side of mutual TLS over real JDK sockets on 127.0.0.1, with SPIFFE certificates. */
class ServerTlsContextTest {
    private static final String SLEEP = "spiffe://cluster.local/ns/default/sa/sleep";

    private final FakeClock clock = new FakeClock();
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private TestPki.Issued root;
    private ServerTlsContext server;

    @TempDir
    Path certs;

    @BeforeEach
    void workloadCertificates() throws Exception {
        root = TestPki.ca("mesh root");
        writeWorkload(TestPki.leaf(root, "reviews", List.of("URI:spiffe://cluster.local/ns/default/sa/reviews")));
        root.writeCertificate(certs.resolve("root-cert.pem"));
        server = ServerTlsContext.load(certs, Duration.ofSeconds(1), clock::nanoTime);
    }

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    private void writeWorkload(TestPki.Issued workload) {
        workload.writeCertificate(certs.resolve("cert-chain.pem"));
        workload.writePrivateKey(certs.resolve("key.pem"));
    }

    /** What the server saw of one connection: the caller's identity, or the handshake failure. */
    private record Accepted(String identity, Exception failure) {
    }

    /**
     * Accepts one connection with {@code context}, completes the handshake and answers one byte; the client
     * connects with {@code client} (trusting {@link #root}) and reads it.
     */
    private Accepted connect(SSLContext context, SSLContext client, List<X509Certificate> serverChainSeen)
            throws Exception {
        try (SSLServerSocket listener = (SSLServerSocket) context.getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Accepted> accepted = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                    s.startHandshake();
                    String identity = ServerTlsContext.peerIdentity(s.getSession());
                    s.getOutputStream().write(1);
                    s.getOutputStream().flush();
                    return new Accepted(identity, null);
                } catch (IOException e) {
                    return new Accepted(null, e);
                }
            }, executor);
            try (SSLSocket c = (SSLSocket) client.getSocketFactory().createSocket()) {
                c.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort()), 5000);
                c.setSoTimeout(5000);
                c.startHandshake();
                for (var cert : c.getSession().getPeerCertificates()) {
                    serverChainSeen.add((X509Certificate) cert);
                }
                InputStream in = c.getInputStream();
                in.read();
            } catch (IOException expectedWhenRefused) {
                // The server's outcome says why.
            }
            return accepted.get(10, TimeUnit.SECONDS);
        }
    }

    private SSLContext client(TestPki.Issued certificate) throws Exception {
        KeyManagerFactory kmf = null;
        if (certificate != null) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("client", certificate.keyPair().getPrivate(), "p".toCharArray(),
                    new java.security.cert.Certificate[] {certificate.certificate()});
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, "p".toCharArray());
        }
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("root", root.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trusted);
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return c;
    }

    @Test
    void aMeshClientIsAcceptedAndItsSpiffeIdentityRead() throws Exception {
        TestPki.Issued sleep = TestPki.leaf(root, "sleep", List.of("URI:" + SLEEP));
        List<X509Certificate> seen = new java.util.ArrayList<>();
        Accepted a = connect(server.sslContext(true), client(sleep), seen);
        assertThat(a.failure()).isNull();
        assertThat(a.identity()).isEqualTo(SLEEP);
        assertThat(SubjectAltNames.of(seen.get(0)).toString()).contains("spiffe://cluster.local/ns/default/sa/reviews");
    }

    @Test
    void aClientOfAnotherCaIsRefusedInTheHandshake() throws Exception {
        TestPki.Issued otherCa = TestPki.ca("other root");
        TestPki.Issued stranger = TestPki.leaf(otherCa, "sleep", List.of("URI:" + SLEEP));
        Accepted a = connect(server.sslContext(true), client(stranger), new java.util.ArrayList<>());
        assertThat(a.failure()).isNotNull();
        assertThat(a.identity()).isNull();
    }

    @Test
    void aClientWithoutCertificateIsRefusedWhenOneIsRequiredAndHasNoIdentityOtherwise() throws Exception {
        assertThat(connect(server.sslContext(true), client(null), new java.util.ArrayList<>()).failure())
                .isNotNull();
        Accepted oneWay = connect(server.sslContext(false), client(null), new java.util.ArrayList<>());
        assertThat(oneWay.failure()).isNull();
        assertThat(oneWay.identity()).isNull();
    }

    @Test
    void enginesComeConfiguredForClientAuthentication() {
        assertThat(server.sslContext(true).createSSLEngine().getNeedClientAuth()).isTrue();
        assertThat(server.sslContext(true).createSSLEngine().getUseClientMode()).isFalse();
        assertThat(server.sslContext(false).createSSLEngine().getWantClientAuth()).isTrue();
        assertThat(server.sslContext(true).getDefaultSSLParameters().getNeedClientAuth()).isTrue();
    }

    @Test
    void aRotatedWorkloadCertificateIsPresentedToNewConnections() throws Exception {
        TestPki.Issued sleep = TestPki.leaf(root, "sleep", List.of("URI:" + SLEEP));
        TestPki.Issued rotated = TestPki.leaf(root, "reviews-rotated",
                List.of("URI:spiffe://cluster.local/ns/default/sa/reviews"));
        writeWorkload(rotated);
        clock.advance(Duration.ofSeconds(1));
        List<X509Certificate> seen = new java.util.ArrayList<>();
        Accepted a = connect(server.sslContext(true), client(sleep), seen);
        assertThat(a.failure()).isNull();
        assertThat(seen.get(0)).isEqualTo(rotated.certificate());
    }

    @Test
    void missingCertificatesFailAtLoadNamingTheFile() throws Exception {
        Files.delete(certs.resolve("root-cert.pem"));
        assertThatThrownBy(() -> ServerTlsContext.load(certs, Duration.ofSeconds(1), clock::nanoTime))
                .isInstanceOf(TlsConfigException.class).hasMessageContaining("root-cert.pem");
    }
}
