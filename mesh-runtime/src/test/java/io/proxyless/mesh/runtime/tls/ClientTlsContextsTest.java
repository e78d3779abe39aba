package io.proxyless.mesh.runtime.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proxyless.mesh.api.ClientTLSSettings.TLSmode;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real JSSE handshakes over loopback with contexts built from policies. */
class ClientTlsContextsTest {
    @TempDir
    Path dir;

    private SSLServerSocket server;

    @AfterEach
    void close() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    /** Starts a one-connection TLS server; the future yields the SNI it received. */
    private CompletableFuture<String> serve(TestPki.Issued serverCert, TestPki.Issued clientCa) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("server", serverCert.keyPair().getPrivate(), new char[0],
                new Certificate[] {serverCert.certificate()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), clientCa == null ? null
                : new javax.net.ssl.TrustManager[] {ReloadingTrustManager.forCertificates(
                        List.of(clientCa.certificate()))}, null);
        server = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0);
        server.setNeedClientAuth(clientCa != null);
        return CompletableFuture.supplyAsync(() -> {
            try (SSLSocket s = (SSLSocket) server.accept()) {
                s.startHandshake();
                List<SNIServerName> names = ((ExtendedSSLSession) s.getSession()).getRequestedServerNames();
                OutputStream out = s.getOutputStream();
                out.write('k');
                out.flush();
                s.getInputStream().read();
                return names.isEmpty() ? "" : new String(names.get(0).getEncoded(), StandardCharsets.US_ASCII);
            } catch (Exception e) {
                return "error: " + e;
            }
        });
    }

    private static String talk(ClientTlsContext tls, String host, int port) throws Exception {
        try (SSLSocket s = (SSLSocket) tls.socketFactory().createSocket(host, port)) {
            s.startHandshake();
            InputStream in = s.getInputStream();
            int c = in.read();
            s.getOutputStream().write('x');
            s.getOutputStream().flush();
            return String.valueOf((char) c);
        }
    }

    @Test
    void istioMutualHandshakeVerifiesTheSpiffeIdentity() throws Exception {
        TestPki.Issued root = TestPki.ca("mesh root");
        TestPki.Issued workload = TestPki.leaf(root, "client",
                List.of("URI:spiffe://cluster.local/ns/default/sa/productpage"));
        TestPki.Issued reviews = TestPki.leaf(root, "reviews",
                List.of("URI:spiffe://cluster.local/ns/default/sa/reviews"));
        workload.writeCertificate(dir.resolve(ClientTlsPolicy.CERT_CHAIN));
        workload.writePrivateKey(dir.resolve(ClientTlsPolicy.KEY));
        root.writeCertificate(dir.resolve(ClientTlsPolicy.ROOT_CERT));
        String sni = "outbound_.9080_._.reviews.default.svc.cluster.local";
        ClientTlsPolicy policy = new ClientTlsPolicy("outbound|9080||reviews.default.svc.cluster.local",
                TLSmode.ISTIO_MUTUAL, dir.resolve(ClientTlsPolicy.CERT_CHAIN), dir.resolve(ClientTlsPolicy.KEY),
                dir.resolve(ClientTlsPolicy.ROOT_CERT), sni,
                List.of("spiffe://cluster.local/ns/default/sa/reviews"), false, false);
        ClientTlsContexts contexts = ClientTlsContexts.builder().build();
        ClientTlsContext tls = contexts.context(policy);
        assertThat(contexts.context(policy)).as("one context per policy").isSameAs(tls);

        CompletableFuture<String> seen = serve(reviews, root);
        assertThat(talk(tls, "127.0.0.1", server.getLocalPort())).isEqualTo("k");
        assertThat(seen.get(5, TimeUnit.SECONDS)).as("Istio's SNI has underscores, which JSSE servers refuse")
                .isEmpty();
    }

    @Test
    void aConfiguredSniIsSent() throws Exception {
        TestPki.Issued root = TestPki.ca("root");
        TestPki.Issued server = TestPki.leaf(root, "api", List.of("DNS:api.example.com"));
        root.writeCertificate(dir.resolve("root.pem"));
        ClientTlsPolicy policy = new ClientTlsPolicy("outbound|443||api", TLSmode.SIMPLE, null, null,
                dir.resolve("root.pem"), "api.example.com", List.of("api.example.com"), false, false);
        ClientTlsContext tls = ClientTlsContexts.builder().build().context(policy);
        CompletableFuture<String> seen = serve(server, null);
        assertThat(talk(tls, "127.0.0.1", this.server.getLocalPort())).isEqualTo("k");
        assertThat(seen.get(5, TimeUnit.SECONDS)).isEqualTo("api.example.com");
    }

    @Test
    void aServerWithAnotherIdentityIsRefusedNamingBoth() throws Exception {
        TestPki.Issued root = TestPki.ca("mesh root");
        TestPki.Issued ratings = TestPki.leaf(root, "ratings",
                List.of("URI:spiffe://cluster.local/ns/default/sa/ratings"));
        root.writeCertificate(dir.resolve("root.pem"));
        ClientTlsPolicy policy = new ClientTlsPolicy("outbound|9080||reviews", TLSmode.SIMPLE, null, null,
                dir.resolve("root.pem"), "reviews", List.of("spiffe://cluster.local/ns/default/sa/reviews"), false,
                false);
        ClientTlsContext tls = ClientTlsContexts.builder().build().context(policy);
        serve(ratings, null);
        assertThatThrownBy(() -> talk(tls, "127.0.0.1", server.getLocalPort()))
                .isInstanceOf(SSLHandshakeException.class)
                .hasMessageContaining("outbound|9080||reviews")
                .hasMessageContaining("spiffe://cluster.local/ns/default/sa/ratings")
                .hasMessageContaining("spiffe://cluster.local/ns/default/sa/reviews");
    }

    @Test
    void autoSanValidationChecksTheHostTheSocketWasOpenedFor() throws Exception {
        TestPki.Issued root = TestPki.ca("root");
        TestPki.Issued server127 = TestPki.leaf(root, "loopback", List.of("IP:127.0.0.1"));
        root.writeCertificate(dir.resolve("root.pem"));
        ClientTlsPolicy policy = new ClientTlsPolicy("outbound|443||api", TLSmode.SIMPLE, null, null,
                dir.resolve("root.pem"), null, List.of(), true, false);
        ClientTlsContext tls = ClientTlsContexts.builder().build().context(policy);
        serve(server127, null);
        assertThat(talk(tls, "127.0.0.1", server.getLocalPort())).isEqualTo("k");
        serve(server127, null);
        assertThatThrownBy(() -> talk(tls, "localhost", server.getLocalPort()))
                .isInstanceOf(SSLHandshakeException.class).hasMessageContaining("not valid for host localhost");
    }

    @Test
    void anUntrustedServerIsRefusedNamingTheTrustSource() throws Exception {
        TestPki.Issued root = TestPki.ca("root");
        TestPki.Issued other = TestPki.ca("other root");
        TestPki.Issued server = TestPki.leaf(other, "x", List.of("IP:127.0.0.1"));
        root.writeCertificate(dir.resolve("root.pem"));
        ClientTlsPolicy policy = new ClientTlsPolicy("outbound|443||api", TLSmode.SIMPLE, null, null,
                dir.resolve("root.pem"), null, List.of(), true, false);
        ClientTlsContext tls = ClientTlsContexts.builder().build().context(policy);
        serve(server, null);
        assertThatThrownBy(() -> talk(tls, "127.0.0.1", this.server.getLocalPort()))
                .isInstanceOf(SSLHandshakeException.class).hasMessageContaining("is not trusted by")
                .hasMessageContaining("root.pem");
    }

    @Test
    void insecureSkipVerifyAcceptsAnyServer() throws Exception {
        TestPki.Issued stranger = TestPki.leaf(TestPki.ca("stranger"), "x", List.of());
        ClientTlsPolicy policy = new ClientTlsPolicy("outbound|443||api", TLSmode.SIMPLE, null, null, null, null,
                List.of(), false, true);
        ClientTlsContext tls = ClientTlsContexts.builder().build().context(policy);
        serve(stranger, null);
        assertThat(talk(tls, "127.0.0.1", server.getLocalPort())).isEqualTo("k");
    }
}
