package io.proxyless.mesh.servlet;

import static io.proxyless.mesh.servlet.Workload.SLEEP;
import static io.proxyless.mesh.servlet.Workload.authorizationPolicy;
import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.runtime.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AuthorizationPolicy on a real Jetty: mesh clients with SPIFFE certificates (and plain-text callers) against
 * policies as Istio's Authorization tasks write them, on a PERMISSIVE port with TLS detection.
 */
class ServletAuthorizationTest {
    private static final Client.Reply DENIED = new Client.Reply(403, "RBAC: access denied");

    @TempDir
    Path dir;

    private Workload workload;
    private JettyServer server;
    private Client sleep;
    private Client other;
    private Client plain;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (workload != null) {
            workload.close();
        }
    }

    private int start(Map<String, String> files) throws Exception {
        workload = Workload.start(dir, files);
        server = JettyServer.detecting(MeshServerTls.sslContext(workload.mesh),
                MeshAuthorizationFilter.create(workload.mesh));
        sleep = Client.tls(workload.certificates.client("sleep"));
        other = Client.tls(workload.certificates.client("other"));
        plain = Client.plainText();
        return server.port();
    }

    private static Client.Reply ok(String method, String path, String peer) {
        return new Client.Reply(200, method + " " + path + " peer=" + peer);
    }

    @Test
    void aNamespaceWideAllowWithPrincipalsAdmitsSleepAndRefusesEveryoneElse() throws Exception {
        int port = start(Map.of("allow.yaml", authorizationPolicy("allow-sleep", "ALLOW",
                "[{from: [{source: {principals: [cluster.local/ns/default/sa/sleep]}}]}]")));

        assertThat(sleep.get(port, "/reviews/1")).isEqualTo(ok("GET", "/reviews/1", SLEEP));
        assertThat(other.get(port, "/reviews/1")).isEqualTo(DENIED);
        assertThat(plain.get(port, "/reviews/1")).as("plain text has no principal").isEqualTo(DENIED);
    }

    @Test
    void aDenyOnConnectionSniFailsClosedWhenTheContainerDoesNotTellTheSni() throws Exception {
        Map<String, String> files = Map.of("deny.yaml", authorizationPolicy("deny-admin-sni", "DENY",
                "[{when: [{key: connection.sni, values: [admin.example]}]}]"));
        int port = start(files);
        Client reviews = Client.tls(workload.certificates.client("sleep"), "reviews.example");

        assertThat(reviews.get(port, "/reviews/1")).as("TLS: the SNI might be admin.example").isEqualTo(DENIED);
        assertThat(plain.get(port, "/reviews/1")).as("plain text sends no SNI")
                .isEqualTo(ok("GET", "/reviews/1", "-"));

        server.close();
        server = JettyServer.detectingWithSslSession(MeshServerTls.sslContext(workload.mesh),
                MeshAuthorizationFilter.create(workload.mesh));
        port = server.port();
        Client admin = Client.tls(workload.certificates.client("sleep"), "admin.example");
        assertThat(reviews.get(port, "/reviews/1")).as("the SSLSession tells the SNI")
                .isEqualTo(ok("GET", "/reviews/1", SLEEP));
        assertThat(sleep.get(port, "/reviews/1")).as("no SNI sent").isEqualTo(ok("GET", "/reviews/1", SLEEP));
        assertThat(admin.get(port, "/reviews/1")).isEqualTo(DENIED);
    }

    @Test
    void anAuditedRequestIsLoggedOnceWhateverTheDecision() throws Exception {
        int port = start(Map.of(
                "audit.yaml", authorizationPolicy("audit-reviews", "AUDIT",
                        "[{to: [{operation: {paths: [/reviews/*]}}]}]"),
                "deny.yaml", authorizationPolicy("deny-other", "DENY",
                        "[{from: [{source: {principals: [cluster.local/ns/default/sa/other]}}]}]")));
        // slf4j-simple, the tests' binding, writes to the System.err of the moment
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            assertThat(sleep.get(port, "/reviews/1").status()).isEqualTo(200);
            assertThat(sleep.get(port, "/details/1").status()).isEqualTo(200);
            assertThat(other.get(port, "/reviews/2")).isEqualTo(DENIED);
        } finally {
            System.setErr(err);
        }
        List<String> audit = captured.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("AUDIT"))
                .toList();
        assertThat(audit).hasSize(2);
        assertThat(audit.get(0)).contains("INFO").endsWith("AUDIT default/audit-reviews rules[0]: " + SLEEP
                + " GET /reviews/1 on port " + port + " (allowed)");
        assertThat(audit.get(1)).endsWith("AUDIT default/audit-reviews rules[0]: "
                + "spiffe://cluster.local/ns/default/sa/other GET /reviews/2 on port " + port + " (denied)");
    }

    @Test
    void denyBeatsAllow() throws Exception {
        int port = start(Map.of(
                "allow.yaml", authorizationPolicy("allow-all", "ALLOW", "[{}]"),
                "deny.yaml", authorizationPolicy("deny-admin", "DENY",
                        "[{from: [{source: {principals: ['*/sa/sleep']}}],"
                                + " to: [{operation: {paths: ['/admin*']}}]}]")));

        assertThat(sleep.get(port, "/admin/users")).isEqualTo(DENIED);
        assertThat(sleep.get(port, "/reviews/1")).isEqualTo(ok("GET", "/reviews/1", SLEEP));
        assertThat(other.get(port, "/admin/users").status()).isEqualTo(200);
    }

    @Test
    void pathsAndMethodsMatchAsIstios() throws Exception {
        int port = start(Map.of("allow.yaml", authorizationPolicy("allow-ops", "ALLOW", """
                [{to: [{operation: {methods: [GET, HEAD], paths: [/reviews/*, /health, '*/info']}}]},
                 {to: [{operation: {methods: [POST], paths: [/ratings], notPaths: [/ratings/secret]}}]},
                 {to: [{operation: {notMethods: [GET, POST, HEAD], paths: ['*']}}]}]""")));

        assertThat(sleep.get(port, "/reviews/1")).as("prefix").isEqualTo(ok("GET", "/reviews/1", SLEEP));
        assertThat(sleep.get(port, "/reviews/").status()).as("prefix, nothing after").isEqualTo(200);
        assertThat(sleep.get(port, "/reviews")).as("prefix needs its slash").isEqualTo(DENIED);
        assertThat(sleep.get(port, "/health").status()).as("exact").isEqualTo(200);
        assertThat(sleep.get(port, "/healthz")).as("exact is exact").isEqualTo(DENIED);
        assertThat(sleep.get(port, "/details/info").status()).as("suffix").isEqualTo(200);
        assertThat(sleep.get(port, "/reviews/1?x=/admin").status()).as("the query is not the path").isEqualTo(200);
        assertThat(send(sleep, "POST", port, "/reviews/1")).as("method").isEqualTo(DENIED);
        assertThat(send(sleep, "POST", port, "/ratings").status()).isEqualTo(200);
        assertThat(send(sleep, "get", port, "/reviews/1")).as("methods are case-sensitive: get is not GET, and "
                + "the notMethods rule admits it").isEqualTo(ok("get", "/reviews/1", SLEEP));
        assertThat(send(sleep, "PUT", port, "/anything").status()).as("notMethods with any path").isEqualTo(200);
        assertThat(send(sleep, "DELETE", port, "/reviews/1").status()).isEqualTo(200);
        assertThat(sleep.get(port, "/admin")).isEqualTo(DENIED);
    }

    @Test
    void aPathIsMatchedNormalizedSoADenyCantBeWalkedAround() throws Exception {
        int port = start(Map.of("deny.yaml", authorizationPolicy("deny-admin", "DENY",
                "[{to: [{operation: {paths: [/admin, '/admin/*']}}]}]")));

        assertThat(plain.get(port, "/public")).isEqualTo(ok("GET", "/public", "-"));
        assertThat(plain.get(port, "/admin")).isEqualTo(DENIED);
        assertThat(plain.get(port, "/public/../admin").status()).isNotEqualTo(200);
        assertThat(plain.get(port, "/%61dmin/users")).isEqualTo(DENIED);
        assertThat(plain.get(port, "/admin;jsessionid=1")).isEqualTo(DENIED);
    }

    @Test
    void sourceAddressesNamespacesHeadersAndPortsComeFromTheServletRequest() throws Exception {
        String deny = "[{when: [{key: 'request.headers[X-Block]', values: ['yes']}]},"
                + " {from: [{source: {notIpBlocks: [127.0.0.0/8]}}]}";
        int port = start(Map.of(
                "allow.yaml", authorizationPolicy("allow-default", "ALLOW",
                        "[{from: [{source: {namespaces: [default], ipBlocks: [127.0.0.0/8]}}]}]"),
                "deny.yaml", authorizationPolicy("deny", "DENY", deny + "]")));

        assertThat(sleep.get(port, "/reviews/1")).isEqualTo(ok("GET", "/reviews/1", SLEEP));
        assertThat(sleep.send("GET", port, "/reviews/1", "x-block", "yes")).isEqualTo(DENIED);
        assertThat(sleep.send("GET", port, "/reviews/1", "X-Block", "no").status()).isEqualTo(200);
        assertThat(Client.tls(workload.certificates.client("prod", "sleep")).get(port, "/reviews/1"))
                .as("another namespace").isEqualTo(DENIED);
        assertThat(plain.get(port, "/reviews/1")).as("plain text has no namespace").isEqualTo(DENIED);

        // destination.port is the server's own port
        workload.write(Map.of("deny.yaml", authorizationPolicy("deny", "DENY",
                deny + ", {to: [{operation: {ports: ['" + port + "']}}]}]")));
        Await.until("the DENY rule for this port", () -> sleep.get(port, "/reviews/1").equals(DENIED));
    }

    @Test
    void aConfigChangeAppliesToTheNextRequestOnTheSameConnection() throws Exception {
        int port = start(Map.of("allow.yaml", authorizationPolicy("allow", "ALLOW",
                "[{from: [{source: {principals: [cluster.local/ns/default/sa/sleep]}}]}]")));
        assertThat(sleep.get(port, "/").status()).isEqualTo(200);
        assertThat(other.get(port, "/")).isEqualTo(DENIED);

        workload.write(Map.of("allow.yaml", authorizationPolicy("allow", "ALLOW",
                "[{from: [{source: {principals: [cluster.local/ns/default/sa/other]}}]}]")));
        Await.until("the new policy", () -> other.get(port, "/").status() == 200);
        assertThat(sleep.get(port, "/")).isEqualTo(DENIED);
    }

    @Test
    void anInvalidEditKeepsTheLastGoodPolicy() throws Exception {
        int port = start(Map.of("allow.yaml", authorizationPolicy("allow", "ALLOW",
                "[{from: [{source: {principals: [cluster.local/ns/default/sa/sleep]}}]}]")));

        workload.write(Map.of("allow.yaml", authorizationPolicy("allow", "ALLOW",
                "[{from: [{source: {principals: [cluster.local/ns/default/sa/sleep]}}]}]")
                .replace("action: ALLOW", "action: PERMIT")));
        Await.until("the invalid edit to be seen", () -> !workload.mesh.source().lastProblems().isEmpty());

        assertThat(sleep.get(port, "/").status()).isEqualTo(200);
        assertThat(other.get(port, "/")).isEqualTo(DENIED);
        assertThat(plain.get(port, "/")).isEqualTo(DENIED);
    }

    @Test
    void anAllowRuleThatCantBeEnforcedMatchesNothing() throws Exception {
        // JWT principals: there is no RequestAuthentication filter here, so the rule can't be evaluated
        int port = start(Map.of("allow.yaml", authorizationPolicy("allow-jwt", "ALLOW",
                "[{from: [{source: {requestPrincipals: ['*']}}]}]")));

        assertThat(sleep.get(port, "/")).isEqualTo(DENIED);
        assertThat(plain.get(port, "/")).isEqualTo(DENIED);
    }

    @Test
    void aDenyRuleThatCantBeEnforcedMatchesEverything() throws Exception {
        int port = start(Map.of(
                "allow.yaml", authorizationPolicy("allow-all", "ALLOW", "[{}]"),
                "deny.yaml", authorizationPolicy("deny-issuer", "DENY",
                        "[{when: [{key: 'request.auth.claims[iss]', values: [evil]}]}]")));

        assertThat(sleep.get(port, "/")).isEqualTo(DENIED);
        assertThat(plain.get(port, "/")).isEqualTo(DENIED);
    }

    private static Client.Reply send(Client client, String method, int port, String path) throws Exception {
        return client.send(method, port, path);
    }
}
