package io.proxyless.mesh.runtime.routing;

import static io.proxyless.mesh.runtime.routing.MeshFixture.BOOKINFO;
import static io.proxyless.mesh.runtime.routing.MeshFixture.get;
import static io.proxyless.mesh.runtime.routing.MeshFixture.mesh;
import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.RouteDecision;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Host resolution, visibility, VirtualService precedence and DestinationRule merging. */
class HostsAndPoliciesTest {
    @TempDir
    Path dir;

    @Test
    void withoutVirtualServiceTheDefaultRouteGoesToTheService() {
        try (Mesh mesh = mesh(dir, BOOKINFO)) {
            RouteDecision d = mesh.route(get("http://ratings:9080/ratings/0"));
            assertThat(d.action()).isEqualTo(RouteAction.FORWARD);
            assertThat(d.virtualService()).isNull();
            assertThat(d.route().name()).isEqualTo("default");
            assertThat(d.cluster().key()).isEqualTo("outbound|9080||ratings.default.svc.cluster.local");
            assertThat(d.endpoint().address()).isEqualTo("10.0.1.1");
            assertThat(d.loadBalancer()).isEqualTo("LEAST_REQUEST");
            assertThat(d.retries().attempts()).isEqualTo(2);
        }
    }

    @Test
    void unknownHostPassesThroughUnderAllowAny() {
        try (Mesh mesh = mesh(dir, BOOKINFO)) {
            RouteDecision d = mesh.route(get("http://example.org:8080/x"));
            assertThat(d.action()).isEqualTo(RouteAction.FORWARD);
            assertThat(d.host()).isEqualTo("example.org");
            assertThat(d.cluster().passthrough()).isTrue();
            assertThat(d.endpoint().address()).isEqualTo("example.org");
            assertThat(d.endpoint().port()).isEqualTo(8080);
        }
    }

    @Test
    void unknownHostIsRejectedUnderRegistryOnly() {
        try (Mesh mesh = mesh(dir, BOOKINFO, """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: default}
                spec:
                  egress: [{hosts: ["./*"]}]
                  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
                """)) {
            RouteDecision d = mesh.route(get("http://example.org/"));
            assertThat(d.action()).isEqualTo(RouteAction.REJECT);
            assertThat(d.status()).isEqualTo(502);
            assertThat(d.reason()).contains("example.org").contains("REGISTRY_ONLY");
            assertThat(mesh.route(get("http://reviews:9080/")).action()).isEqualTo(RouteAction.FORWARD);
        }
    }

    @Test
    void serviceExportedOnlyToItsNamespaceIsInvisibleElsewhere() {
        String se = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: secret, namespace: vault}
                spec:
                  hosts: [secret.vault.svc.cluster.local]
                  exportTo: ["."]
                  resolution: STATIC
                  ports: [{number: 80, name: http, protocol: HTTP}]
                  endpoints: [{address: 10.9.9.9}]
                """;
        try (Mesh outsider = mesh(dir, Map.of(), "default", se)) {
            RouteDecision d = outsider.route(get("http://secret.vault.svc.cluster.local/"));
            assertThat(d.cluster().passthrough()).as("not in this client's registry").isTrue();
        }
    }

    @Test
    void serviceExportedToItsNamespaceIsVisibleThere(@TempDir Path other) {
        String se = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: secret, namespace: vault}
                spec:
                  hosts: [secret.vault.svc.cluster.local]
                  exportTo: ["."]
                  resolution: STATIC
                  ports: [{number: 80, name: http, protocol: HTTP}]
                  endpoints: [{address: 10.9.9.9}]
                """;
        try (Mesh insider = mesh(other, Map.of(), "vault", se)) {
            assertThat(insider.route(get("http://secret/")).endpoint().address()).isEqualTo("10.9.9.9");
        }
    }

    @Test
    void wildcardServiceEntryMatchesAndLongestWildcardWins() {
        try (Mesh mesh = mesh(dir, """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: wide}
                spec:
                  hosts: ["*.example.com"]
                  location: MESH_EXTERNAL
                  resolution: NONE
                  ports: [{number: 80, name: http, protocol: HTTP}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: narrow}
                spec:
                  hosts: ["*.api.example.com"]
                  http:
                  - route: [{destination: {host: "*.api.example.com"}}]
                    timeout: 3s
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: wide}
                spec:
                  hosts: ["*.example.com"]
                  http:
                  - route: [{destination: {host: "*.example.com"}}]
                    timeout: 1s
                """)) {
            assertThat(mesh.route(get("http://v1.api.example.com/")).virtualService()).isEqualTo("default/narrow");
            assertThat(mesh.route(get("http://www.example.com/")).virtualService()).isEqualTo("default/wide");
        }
    }

    @Test
    void oldestVirtualServiceForAHostWinsAndTheOtherIsReported() {
        try (Mesh mesh = mesh(dir, BOOKINFO, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: first}
                spec:
                  hosts: [reviews]
                  http: [{route: [{destination: {host: reviews, subset: v1}}]}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: second}
                spec:
                  hosts: [reviews]
                  http: [{route: [{destination: {host: reviews, subset: v2}}]}]
                """)) {
            assertThat(mesh.route(get("http://reviews:9080/")).virtualService()).isEqualTo("default/first");
            assertThat(mesh.snapshot().warnings()).anySatisfy(w -> assertThat(w)
                    .contains("default/second").contains("default/first"));
        }
    }

    @Test
    void virtualServiceBoundOnlyToAGatewayDoesNotApply() {
        try (Mesh mesh = mesh(dir, BOOKINFO, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: edge}
                spec:
                  hosts: [reviews]
                  gateways: [bookinfo-gateway]
                  http: [{route: [{destination: {host: reviews, subset: v3}}]}]
                """)) {
            assertThat(mesh.route(get("http://reviews:9080/")).virtualService()).isNull();
        }
    }

    @Test
    void unknownSubsetIsRejectedWithNoHealthyUpstream() {
        try (Mesh mesh = mesh(dir, BOOKINFO, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http: [{route: [{destination: {host: reviews, subset: v9}}]}]
                """)) {
            RouteDecision d = mesh.route(get("http://reviews:9080/"));
            assertThat(d.action()).isEqualTo(RouteAction.REJECT);
            assertThat(d.status()).isEqualTo(503);
            assertThat(d.reason()).contains("subset v9").contains("reviews.default.svc.cluster.local");
        }
    }

    @Test
    void destinationOutsideTheRegistryIsClusterNotFound() {
        try (Mesh mesh = mesh(dir, BOOKINFO, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http: [{route: [{destination: {host: nowhere}}]}]
                """)) {
            RouteDecision d = mesh.route(get("http://reviews:9080/"));
            assertThat(d.status()).isEqualTo(503);
            assertThat(d.reason()).contains("cluster not found").contains("nowhere.default.svc.cluster.local");
        }
    }

    @Test
    void portLevelSettingsReplaceTheWholeTopLevelPolicy() {
        try (Mesh mesh = mesh(dir, reviewsRule("""
                trafficPolicy:
                  loadBalancer: {simple: RANDOM}
                  connectionPool: {tcp: {maxConnections: 7}}
                  portLevelSettings:
                  - port: {number: 9080}
                    loadBalancer: {simple: ROUND_ROBIN}
                subsets:
                - {name: v1, labels: {version: v1}}
                """))) {
            RouteDecision d = mesh.route(get("http://reviews:9080/"));
            assertThat(d.loadBalancer()).isEqualTo("ROUND_ROBIN");
            assertThat(d.cluster().policy().connectionPool()).as("nothing inherited").isNull();
        }
    }

    @Test
    void subsetPolicyReplacesBlockByBlock() {
        try (Mesh mesh = mesh(dir, reviewsRule("""
                trafficPolicy:
                  loadBalancer: {simple: RANDOM}
                  connectionPool: {tcp: {maxConnections: 7}}
                subsets:
                - name: v1
                  labels: {version: v1}
                  trafficPolicy:
                    loadBalancer: {simple: ROUND_ROBIN}
                """), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http: [{route: [{destination: {host: reviews, subset: v1}}]}]
                """)) {
            RouteDecision d = mesh.route(get("http://reviews:9080/"));
            assertThat(d.loadBalancer()).isEqualTo("ROUND_ROBIN");
            assertThat(d.cluster().policy().connectionPool().tcp().maxConnections()).isEqualTo(7);
        }
    }

    @Test
    void subsetPortLevelEntrySuppliesAllFourBlocks() {
        try (Mesh mesh = mesh(dir, reviewsRule("""
                trafficPolicy:
                  loadBalancer: {simple: RANDOM}
                  connectionPool: {tcp: {maxConnections: 7}}
                subsets:
                - name: v1
                  labels: {version: v1}
                  trafficPolicy:
                    portLevelSettings:
                    - port: {number: 9080}
                      loadBalancer: {consistentHash: {httpHeaderName: x-user}}
                """), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http: [{route: [{destination: {host: reviews, subset: v1}}]}]
                """)) {
            RouteDecision d = mesh.route(get("http://reviews:9080/", "x-user", "a"));
            assertThat(d.cluster().policy().loadBalancer().consistentHash().httpHeaderName()).isEqualTo("x-user");
            assertThat(d.cluster().policy().connectionPool()).isNull();
            assertThat(d.retries().avoidPreviousHosts()).as("consistent hash keeps retries on the host").isFalse();
        }
    }

    @Test
    void firstDestinationRuleWinsForSubsetsAndTopLevelPolicy() {
        try (Mesh mesh = mesh(dir, BOOKINFO, """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews-late}
                spec:
                  host: reviews.default.svc.cluster.local
                  trafficPolicy: {loadBalancer: {simple: RANDOM}}
                  subsets:
                  - {name: v1, labels: {version: v2}}
                  - {name: v4, labels: {version: v3}}
                """)) {
            assertThat(mesh.route(get("http://reviews:9080/")).loadBalancer())
                    .as("the first DR had no top-level policy, so the later one's applies").isEqualTo("RANDOM");
            assertThat(mesh.snapshot().warnings()).anySatisfy(w -> assertThat(w).contains("subset v1 ignored"));
        }
    }

    @Test
    void routeAfterACatchAllIsReportedUnreachable() {
        try (Mesh mesh = mesh(dir, BOOKINFO, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match: [{uri: {prefix: /}}]
                    route: [{destination: {host: reviews, subset: v1}}]
                  - route: [{destination: {host: reviews, subset: v2}}]
                """)) {
            // Reported once: by the config's checks, with its line; compiling does not repeat it without one.
            assertThat(mesh.snapshot().configWarnings()).filteredOn(p -> "spec.http[1]".equals(p.path()))
                    .singleElement().satisfies(p -> assertThat(p.message()).contains("not used"));
            assertThat(mesh.snapshot().warnings()).noneSatisfy(w -> assertThat(w).contains("http[1]"));
        }
    }

    @Test
    void delegateRoutesAreExpandedWithTheRootMatch() {
        try (Mesh mesh = mesh(dir, BOOKINFO, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: root}
                spec:
                  hosts: [reviews]
                  http:
                  - match: [{uri: {prefix: /reviews}}]
                    delegate: {name: reviews-delegate}
                  - route: [{destination: {host: reviews, subset: v1}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews-delegate}
                spec:
                  http:
                  - match: [{uri: {prefix: /reviews/v3}}]
                    route: [{destination: {host: reviews, subset: v3}}]
                  - route: [{destination: {host: reviews, subset: v2}}]
                """)) {
            assertThat(mesh.route(get("http://reviews:9080/reviews/v3/1")).destinationSubset()).isEqualTo("v3");
            RouteDecision d = mesh.route(get("http://reviews:9080/reviews/1"));
            assertThat(d.destinationSubset()).isEqualTo("v2");
            assertThat(d.route().index()).isEqualTo(1);
            assertThat(mesh.route(get("http://reviews:9080/other")).destinationSubset()).isEqualTo("v1");
        }
    }

    @Test
    void redirectAndDirectResponseAreDecisionsWithoutEndpoint() {
        try (Mesh mesh = mesh(dir, BOOKINFO, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match: [{uri: {exact: /old}}]
                    redirect: {uri: /new}
                  - match: [{uri: {exact: /health}}]
                    directResponse: {status: 200, body: {string: ok}}
                  - route: [{destination: {host: reviews, subset: v1}}]
                """)) {
            RouteDecision redirect = mesh.route(get("http://reviews:9080/old"));
            assertThat(redirect.action()).isEqualTo(RouteAction.REDIRECT);
            assertThat(redirect.route().redirect().path()).isEqualTo("/new");
            assertThat(redirect.endpoint()).isNull();
            RouteDecision direct = mesh.route(get("http://reviews:9080/health"));
            assertThat(direct.action()).isEqualTo(RouteAction.DIRECT_RESPONSE);
            assertThat(new String(direct.route().directResponseBody(), java.nio.charset.StandardCharsets.UTF_8))
                    .isEqualTo("ok");
        }
    }

    /** The Bookinfo registry with the reviews DestinationRule's spec (after {@code host}) replaced. */
    private static String reviewsRule(String specAfterHost) {
        String original = """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews}
                spec:
                  host: reviews
                  subsets:
                  - {name: v1, labels: {version: v1}}
                  - {name: v2, labels: {version: v2}}
                  - {name: v3, labels: {version: v3}}
                """;
        String replaced = "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: reviews}\n"
                + "spec:\n  host: reviews\n" + specAfterHost.indent(2);
        if (!BOOKINFO.contains(original)) {
            throw new IllegalStateException("fixture changed");
        }
        return BOOKINFO.replace(original, replaced);
    }
}
