package io.proxyless.mesh.runtime.routing;

import static io.proxyless.mesh.runtime.routing.MeshFixture.BOOKINFO;
import static io.proxyless.mesh.runtime.routing.MeshFixture.get;
import static io.proxyless.mesh.runtime.routing.MeshFixture.mesh;
import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.RouteRequest;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Envoy's matching details, each proved by routing a request to v2 (match) or v1 (fallback). */
class MatchSemanticsTest {
    @TempDir
    Path dir;

    private Mesh meshWithMatch(String matchYaml) {
        return meshWithMatch(matchYaml, Map.of(), "default");
    }

    private Mesh meshWithMatch(String matchYaml, Map<String, String> labels, String namespace) {
        String vs = """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews, namespace: default}
                spec:
                  hosts: [reviews.default.svc.cluster.local]
                  http:
                  - match:
                    - %s
                    route: [{destination: {host: reviews.default.svc.cluster.local, subset: v2}}]
                  - route: [{destination: {host: reviews.default.svc.cluster.local, subset: v1}}]
                """.formatted(matchYaml);
        return mesh(dir, labels, namespace, BOOKINFO, vs);
    }

    private static String subset(Mesh mesh, RouteRequest request) {
        return mesh.route(request).destinationSubset();
    }

    @Test
    void uriPrefixIsARawStringPrefix() {
        try (Mesh mesh = meshWithMatch("uri: {prefix: /foo}")) {
            assertThat(subset(mesh, get("http://reviews:9080/foobar"))).isEqualTo("v2");
            assertThat(subset(mesh, get("http://reviews:9080/foo/x"))).isEqualTo("v2");
            assertThat(subset(mesh, get("http://reviews:9080/fo"))).isEqualTo("v1");
        }
    }

    @Test
    void uriExactIgnoresTheQueryString() {
        try (Mesh mesh = meshWithMatch("uri: {exact: /productpage}")) {
            assertThat(subset(mesh, get("http://reviews:9080/productpage?u=normal"))).isEqualTo("v2");
            assertThat(subset(mesh, get("http://reviews:9080/productpage/"))).isEqualTo("v1");
        }
    }

    @Test
    void uriRegexIsAFullMatch() {
        try (Mesh mesh = meshWithMatch("uri: {regex: \"/reviews/[0-9]+\"}")) {
            assertThat(subset(mesh, get("http://reviews:9080/reviews/12"))).isEqualTo("v2");
            assertThat(subset(mesh, get("http://reviews:9080/reviews/12/x"))).isEqualTo("v1");
            assertThat(subset(mesh, get("http://reviews:9080/api/reviews/12"))).isEqualTo("v1");
        }
    }

    @Test
    void ignoreUriCaseAppliesToExactAndPrefix() {
        try (Mesh mesh = meshWithMatch("{uri: {prefix: /API}, ignoreUriCase: true}")) {
            assertThat(subset(mesh, get("http://reviews:9080/api/v1"))).isEqualTo("v2");
        }
    }

    @Test
    void ignoreUriCaseDoesNotApplyToRegex() {
        try (Mesh mesh = meshWithMatch("{uri: {regex: \"/API\"}, ignoreUriCase: true}")) {
            assertThat(subset(mesh, get("http://reviews:9080/api"))).isEqualTo("v1");
        }
    }

    @Test
    void emptyHeaderMatchMeansPresent() {
        try (Mesh mesh = meshWithMatch("headers: {x-canary: {}}")) {
            assertThat(subset(mesh, get("http://reviews:9080/", "x-canary", "anything"))).isEqualTo("v2");
            assertThat(subset(mesh, get("http://reviews:9080/"))).isEqualTo("v1");
        }
    }

    @Test
    void withoutHeadersRegexStarMeansAbsent() {
        // Istio accepts regex "*" only under withoutHeaders, as "header present" (inverted: absent).
        try (Mesh mesh = meshWithMatch("withoutHeaders: {x-canary: {regex: \"*\"}}")) {
            assertThat(subset(mesh, get("http://reviews:9080/"))).isEqualTo("v2");
            assertThat(subset(mesh, get("http://reviews:9080/", "x-canary", ""))).isEqualTo("v1");
        }
    }

    @Test
    void headerPrefixAndRegexMatches() {
        try (Mesh mesh = meshWithMatch("headers: {user-agent: {prefix: Mozilla}, cookie: {regex: \"^(.*?;)?(user=jason)(;.*)?$\"}}")) {
            assertThat(subset(mesh, get("http://reviews:9080/", "user-agent", "Mozilla/5.0", "cookie",
                    "a=b;user=jason"))).isEqualTo("v2");
            assertThat(subset(mesh, get("http://reviews:9080/", "user-agent", "curl/8", "cookie",
                    "user=jason"))).isEqualTo("v1");
        }
    }

    @Test
    void withoutHeadersMatchesWhenTheHeaderIsAbsent() {
        try (Mesh mesh = meshWithMatch("withoutHeaders: {end-user: {exact: jason}}")) {
            assertThat(subset(mesh, get("http://reviews:9080/"))).isEqualTo("v2");
            assertThat(subset(mesh, get("http://reviews:9080/", "end-user", "mike"))).isEqualTo("v2");
            assertThat(subset(mesh, get("http://reviews:9080/", "end-user", "jason"))).isEqualTo("v1");
        }
    }

    @Test
    void withoutHeadersWithEmptyMatchMeansAbsent() {
        try (Mesh mesh = meshWithMatch("withoutHeaders: {x-debug: {}}")) {
            assertThat(subset(mesh, get("http://reviews:9080/"))).isEqualTo("v2");
            assertThat(subset(mesh, get("http://reviews:9080/", "x-debug", "1"))).isEqualTo("v1");
        }
    }

    @Test
    void queryParamsMatchExactPrefixRegexAndPresence() {
        try (Mesh mesh = meshWithMatch("queryParams: {u: {exact: test}, id: {regex: \"[0-9]+\"}, v: {}}")) {
            assertThat(subset(mesh, get("http://reviews:9080/p?u=test&id=42&v"))).isEqualTo("v2");
            assertThat(subset(mesh, get("http://reviews:9080/p?u=test&id=42"))).isEqualTo("v1");
            assertThat(subset(mesh, get("http://reviews:9080/p?u=test&id=4x&v=1"))).isEqualTo("v1");
        }
    }

    @Test
    void methodSchemeAuthorityAndPortMatch() {
        try (Mesh mesh = meshWithMatch("{method: {exact: POST}, scheme: {exact: http}, "
                + "authority: {prefix: reviews}, port: 9080}")) {
            assertThat(subset(mesh, RouteRequest.builder("POST", "http://reviews:9080/").build())).isEqualTo("v2");
            assertThat(subset(mesh, RouteRequest.builder("GET", "http://reviews:9080/").build())).isEqualTo("v1");
        }
    }

    @Test
    void conditionsInOneBlockAreAndedBlocksAreOred() {
        try (Mesh mesh = meshWithMatch("{headers: {a: {exact: '1'}}, uri: {prefix: /x}}\n"
                + "    - headers: {b: {exact: '2'}}")) {
            assertThat(subset(mesh, get("http://reviews:9080/x", "a", "1"))).isEqualTo("v2");
            assertThat(subset(mesh, get("http://reviews:9080/y", "a", "1"))).isEqualTo("v1");
            assertThat(subset(mesh, get("http://reviews:9080/y", "b", "2"))).isEqualTo("v2");
        }
    }

    @Test
    void sourceLabelsSelectTheClient() {
        try (Mesh mine = meshWithMatch("sourceLabels: {app: productpage}", Map.of("app", "productpage"),
                "default")) {
            assertThat(subset(mine, get("http://reviews:9080/"))).isEqualTo("v2");
        }
    }

    @Test
    void sourceLabelsOfAnotherWorkloadDoNotMatch() {
        try (Mesh other = meshWithMatch("sourceLabels: {app: productpage}", Map.of("app", "details"),
                "default")) {
            assertThat(subset(other, get("http://reviews:9080/"))).isEqualTo("v1");
        }
    }

    @Test
    void sourceNamespaceSelectsTheClient() {
        try (Mesh mesh = meshWithMatch("sourceNamespace: shop", Map.of(), "shop")) {
            assertThat(subset(mesh, get("http://reviews.default:9080/"))).isEqualTo("v2");
        }
    }

    @Test
    void matchGatewaysWithoutMeshDoNotApplyToTheClient() {
        try (Mesh mesh = meshWithMatch("gateways: [bookinfo-gateway]")) {
            assertThat(subset(mesh, get("http://reviews:9080/"))).isEqualTo("v1");
        }
    }

    @Test
    void firstMatchWins() {
        try (Mesh mesh = mesh(dir, BOOKINFO, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match: [{uri: {prefix: /a}}]
                    route: [{destination: {host: reviews, subset: v1}}]
                  - match: [{uri: {prefix: /ab}}]
                    route: [{destination: {host: reviews, subset: v2}}]
                  - route: [{destination: {host: reviews, subset: v3}}]
                """)) {
            RouteDecision d = mesh.route(get("http://reviews:9080/abc"));
            assertThat(d.destinationSubset()).isEqualTo("v1");
            assertThat(d.route().index()).isZero();
            assertThat(mesh.route(get("http://reviews:9080/zzz")).route().index()).isEqualTo(2);
        }
    }

    @Test
    void noMatchingRouteIsRejectedLikeEnvoy404() {
        try (Mesh mesh = mesh(dir, BOOKINFO, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match: [{uri: {prefix: /only}}]
                    route: [{destination: {host: reviews, subset: v1}}]
                """)) {
            RouteDecision d = mesh.route(get("http://reviews:9080/other"));
            assertThat(d.action()).isEqualTo(RouteAction.REJECT);
            assertThat(d.status()).isEqualTo(404);
            assertThat(d.reason()).contains("default/reviews");
        }
    }
}
