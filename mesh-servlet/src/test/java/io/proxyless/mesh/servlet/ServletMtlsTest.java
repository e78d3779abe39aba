package io.proxyless.mesh.servlet;

import static io.proxyless.mesh.servlet.Workload.SLEEP;
import static io.proxyless.mesh.servlet.Workload.peerAuthentication;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proxyless.mesh.runtime.testing.Await;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PeerAuthentication on a real Jetty with the mesh's SSLContext and filter: STRICT takes mesh clients only,
 * PERMISSIVE takes mTLS and plain text on one port (Jetty's TLS detection), TLS is always mutual.
 */
class ServletMtlsTest {
    @TempDir
    Path dir;

    private Workload workload;
    private JettyServer server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (workload != null) {
            workload.close();
        }
    }

    private void start(Map<String, String> files, boolean detect) throws Exception {
        workload = Workload.start(dir, files);
        server = detect
                ? JettyServer.detecting(MeshServerTls.sslContext(workload.mesh),
                        MeshAuthorizationFilter.create(workload.mesh))
                : JettyServer.tls(MeshServerTls.sslContext(workload.mesh),
                        MeshAuthorizationFilter.create(workload.mesh));
    }

    @Test
    void strictPortServesMeshClientsAndRefusesPlainTextOthersCasAndOneWayTls() throws Exception {
        start(Map.of("pa.yaml", peerAuthentication("STRICT")), false);
        int port = server.port();

        assertThat(Client.tls(workload.certificates.client("sleep")).get(port, "/reviews/1"))
                .isEqualTo(new Client.Reply(200, "GET /reviews/1 peer=" + SLEEP));
        assertThatThrownBy(() -> Client.tls(workload.certificates.foreignClient("sleep")).send("GET", port, "/"))
                .as("a client certificate from another CA").isInstanceOf(IOException.class);
        assertThatThrownBy(() -> Client.tls(workload.certificates.anonymousClient()).send("GET", port, "/"))
                .as("TLS without a client certificate").isInstanceOf(IOException.class);
        assertNotServed(port);
    }

    @Test
    void strictRefusesPlainTextEvenWhereTheContainerAcceptsIt() throws Exception {
        start(Map.of("pa.yaml", peerAuthentication("STRICT")), true);
        int port = server.port();

        assertNotServed(port);
        assertThat(Client.tls(workload.certificates.client("sleep")).get(port, "/reviews/1"))
                .isEqualTo(new Client.Reply(200, "GET /reviews/1 peer=" + SLEEP));
    }

    @Test
    void permissiveTakesMtlsAndPlainTextOnOnePortAndNamesOnlyTheVerifiedCaller() throws Exception {
        start(Map.of("pa.yaml", peerAuthentication("PERMISSIVE")), true);
        int port = server.port();

        assertThat(Client.tls(workload.certificates.client("sleep")).get(port, "/reviews/1"))
                .isEqualTo(new Client.Reply(200, "GET /reviews/1 peer=" + SLEEP));
        assertThat(Client.plainText().get(port, "/reviews/1"))
                .isEqualTo(new Client.Reply(200, "GET /reviews/1 peer=-"));
        assertThatThrownBy(() -> Client.tls(workload.certificates.foreignClient("sleep")).send("GET", port, "/"))
                .as("mTLS on a PERMISSIVE port is still verified").isInstanceOf(IOException.class);
        assertThatThrownBy(() -> Client.tls(workload.certificates.anonymousClient()).send("GET", port, "/"))
                .as("PERMISSIVE is mTLS or plain text, not one-way TLS").isInstanceOf(IOException.class);
    }

    @Test
    void withoutPeerAuthenticationThePortIsPermissiveAsIstiosDefault() throws Exception {
        start(Map.of(), true);
        int port = server.port();

        assertThat(Client.plainText().get(port, "/")).isEqualTo(new Client.Reply(200, "GET / peer=-"));
        assertThat(Client.tls(workload.certificates.client("other")).get(port, "/"))
                .isEqualTo(new Client.Reply(200, "GET / peer=" + WorkloadCertificates.identity("other")));
    }

    @Test
    void aPortLevelStrictModeAppliesToTheNextRequestOfAnOpenConnection() throws Exception {
        start(Map.of("pa.yaml", peerAuthentication("PERMISSIVE")), true);
        int port = server.port();
        Client plain = Client.plainText();
        assertThat(plain.get(port, "/").status()).isEqualTo(200);

        workload.write(Map.of("reviews-pa.yaml", """
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: reviews, namespace: default}
                spec:
                  selector: {matchLabels: {app: reviews}}
                  mtls: {mode: PERMISSIVE}
                  portLevelMtls:
                    %d: {mode: STRICT}
                """.formatted(port)));
        Await.until("the port to become STRICT", () -> plain.get(port, "/").status() == 403);
        assertThat(plain.get(port, "/").body()).doesNotContain("peer=");
        assertThat(Client.tls(workload.certificates.client("sleep")).get(port, "/").status()).isEqualTo(200);
    }

    @Test
    void aRotatedCertificateServesTheNextConnection() throws Exception {
        start(Map.of(), true);
        int port = server.port();
        BigInteger first = Client.serverCertificate(workload.certificates.client("sleep"), port);

        workload.certificates.writeServer("reviews");
        Await.until("a new connection to get the rotated certificate", () ->
                !Client.serverCertificate(workload.certificates.client("sleep"), port).equals(first));
    }

    /** Plain text never reaches the application: the connection fails or the filter answers. */
    private static void assertNotServed(int port) {
        try {
            Client.Reply reply = Client.plainText().send("GET", port, "/reviews/1");
            assertThat(reply.status()).as("plain text on a STRICT port").isEqualTo(403);
            assertThat(reply.body()).doesNotContain("peer=");
        } catch (IOException refused) {
            // the TLS-only connector closed the connection: refused before HTTP, as a sidecar does
        }
    }
}
