package io.proxyless.mesh.cli;

import static io.proxyless.mesh.cli.CliRun.mesh;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mesh authz}, in process: Istio's Authorization task on Bookinfo's reviews. */
class AuthzCommandTest {
    private static final String CONFIG = Path.of("..", "examples", "config").toString();
    private static final String SLEEP = "spiffe://cluster.local/ns/default/sa/sleep";
    private static final String PRODUCTPAGE = "spiffe://cluster.local/ns/default/sa/bookinfo-productpage";

    private static final String REVIEWS = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: reviews, namespace: default}
            spec:
              hosts: [reviews.default.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 9080, name: http, protocol: HTTP}]
              endpoints:
              - {address: 10.0.0.1, labels: {app: reviews, version: v1}}
              - {address: 10.0.0.2, labels: {app: reviews, version: v2}}
            ---
            apiVersion: security.istio.io/v1
            kind: PeerAuthentication
            metadata: {name: default, namespace: istio-system}
            spec: {mtls: {mode: STRICT}}
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: allow-nothing, namespace: default}
            spec: {}
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: reviews-viewer, namespace: default}
            spec:
              selector: {matchLabels: {app: reviews}}
              action: ALLOW
              rules:
              - from: [{source: {principals: [cluster.local/ns/default/sa/bookinfo-productpage]}}]
                to: [{operation: {methods: [GET]}}]
            """;

    @TempDir
    Path dir;

    @BeforeEach
    void config() throws IOException {
        Files.writeString(dir.resolve("reviews.yaml"), REVIEWS);
    }

    private static CliRun authz(int expectedStatus, String... args) {
        List<String> all = new ArrayList<>(List.of("authz"));
        all.addAll(List.of(args));
        CliRun run = mesh(all.toArray(String[]::new));
        assertThat(run.status()).as(run.toString()).isEqualTo(expectedStatus);
        return run;
    }

    @Test
    void withoutPoliciesTheRequestIsAllowedOnAPermissivePort() {
        CliRun run = authz(0, "--config", CONFIG, "--principal", SLEEP, "POST", "http://reviews:9080/reviews/1");
        assertThat(run.out()).isEqualTo("{\"decision\": \"allow\", \"policy\": null, \"rule\": null, "
                + "\"action\": null, \"mtls\": \"PERMISSIVE\"}\n");
    }

    @Test
    void productpageMayReadReviews() {
        CliRun run = authz(0, "--config", dir.toString(), "--principal", PRODUCTPAGE, "GET",
                "http://reviews:9080/reviews/1");
        assertThat(run.out()).isEqualTo("{\"decision\": \"allow\", \"policy\": \"default/reviews-viewer\", "
                + "\"rule\": 0, \"action\": \"ALLOW\", \"mtls\": \"STRICT\"}\n");
    }

    @Test
    void sleepMayNot() {
        CliRun run = authz(3, "--config", dir.toString(), "--principal", SLEEP, "GET",
                "http://reviews:9080/reviews/1");
        assertThat(run.out()).isEqualTo("{\"decision\": \"deny\", \"policy\": null, \"rule\": null, "
                + "\"action\": null, \"mtls\": \"STRICT\"}\n");
        assertThat(run.err()).contains("none matched");
    }

    @Test
    void aDenyPolicyIsNamed() throws IOException {
        Files.writeString(dir.resolve("deny.yaml"), """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: deny-posts, namespace: default}
                spec:
                  action: DENY
                  rules: [{to: [{operation: {methods: [POST]}}]}]
                """);
        CliRun run = authz(3, "--config", dir.toString(), "--principal", PRODUCTPAGE, "POST",
                "http://reviews.default.svc.cluster.local:9080/reviews/1");
        assertThat(run.out()).isEqualTo("{\"decision\": \"deny\", \"policy\": \"default/deny-posts\", "
                + "\"rule\": 0, \"action\": \"DENY\", \"mtls\": \"STRICT\"}\n");
    }

    @Test
    void plainTextIsRefusedOnAStrictPort() {
        CliRun run = authz(3, "--config", dir.toString(), "GET", "http://reviews:9080/reviews/1");
        assertThat(run.out()).contains("\"decision\": \"deny\"").contains("\"mtls\": \"STRICT\"");
        assertThat(run.err()).contains("plain text is refused");
    }

    @Test
    void workloadsThatDecideDifferentlyReportTheDeny() throws IOException {
        Files.writeString(dir.resolve("deny-v2.yaml"), """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: deny-v2, namespace: default}
                spec:
                  selector: {matchLabels: {version: v2}}
                  action: DENY
                  rules: [{}]
                """);
        CliRun run = authz(3, "--config", dir.toString(), "--principal", PRODUCTPAGE, "GET",
                "http://reviews:9080/reviews/1");
        assertThat(run.out()).contains("\"policy\": \"default/deny-v2\"");
        assertThat(run.err()).contains("decide differently").contains("version=v1").contains("version=v2");
    }

    @Test
    void theServerCanBeNamedByItsLabels() {
        CliRun run = authz(0, "--config", dir.toString(), "--principal", PRODUCTPAGE, "--server-labels",
                "app=reviews", "GET", "http://10.0.0.9:9080/");
        assertThat(run.out()).contains("\"policy\": \"default/reviews-viewer\"");
    }

    @Test
    void usageErrorsSayWhatIsWrong() {
        assertThat(authz(2, "--config", dir.toString(), "GET", "http://unknown:9080/").err())
                .contains("not a service of the config");
        assertThat(authz(2, "--config", dir.toString(), "--principal", "cluster.local/ns/default/sa/sleep", "GET",
                "http://reviews:9080/").err()).contains("SPIFFE id");
        assertThat(authz(2, "--config", dir.toString(), "GET", "http://reviews:8080/").err())
                .contains("not a port of service");
    }
}
