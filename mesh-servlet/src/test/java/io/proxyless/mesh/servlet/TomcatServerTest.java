package io.proxyless.mesh.servlet;

import static io.proxyless.mesh.servlet.Workload.SLEEP;
import static io.proxyless.mesh.servlet.Workload.authorizationPolicy;
import static io.proxyless.mesh.servlet.Workload.peerAuthentication;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mesh's {@code SSLContext} and filter in an embedded Tomcat 11: STRICT mutual TLS with real SPIFFE
 * certificates (mesh clients served, plain text, other CAs and clients without a certificate refused in the
 * handshake) and an AuthorizationPolicy DENY answered {@code 403 RBAC: access denied}.
 */
class TomcatServerTest {
    @TempDir
    Path dir;

    private Workload workload;
    private TomcatServer server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (workload != null) {
            workload.close();
        }
    }

    @Test
    void strictMutualTlsAndADenyOnTomcat() throws Exception {
        workload = Workload.start(dir, Map.of(
                "pa.yaml", peerAuthentication("STRICT"),
                "deny.yaml", authorizationPolicy("deny-admin", "DENY",
                        "[{to: [{operation: {paths: ['/admin/*']}}]}]")));
        server = TomcatServer.tls(Files.createDirectories(dir.resolve("tomcat")),
                MeshServerTls.sslContext(workload.mesh), MeshAuthorizationFilter.create(workload.mesh));
        int port = server.port();
        Client sleep = Client.tls(workload.certificates.client("sleep"));

        assertThat(sleep.get(port, "/reviews/1")).isEqualTo(new Client.Reply(200, "GET /reviews/1 peer=" + SLEEP));
        assertThat(sleep.get(port, "/admin/users")).isEqualTo(new Client.Reply(403, "RBAC: access denied"));
        assertThatThrownBy(() -> Client.tls(workload.certificates.foreignClient("sleep")).send("GET", port, "/"))
                .as("a client certificate from another CA").isInstanceOf(IOException.class);
        assertThatThrownBy(() -> Client.tls(workload.certificates.anonymousClient()).send("GET", port, "/"))
                .as("TLS without a client certificate").isInstanceOf(IOException.class);
        try {
            // Tomcat answers plain text on a TLS port itself (400), before any servlet or filter
            assertThat(Client.plainText().send("GET", port, "/reviews/1").status()).isEqualTo(400);
        } catch (IOException refused) {
            // or closes the connection: refused before HTTP, as a sidecar does
        }
    }
}
