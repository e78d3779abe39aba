package io.proxyless.mesh.runtime.routing;

import static io.proxyless.mesh.runtime.routing.MeshFixture.BOOKINFO;
import static io.proxyless.mesh.runtime.routing.MeshFixture.mesh;
import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.RequestHeaders;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.RouteRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every spelling of a host that names the same service routes the same: case, the trailing dot of an absolute
 * name and the Kubernetes short forms, in requests and in config alike.
 */
class HostSpellingTest {
    private static final String ROUTES = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews}
            spec:
              hosts: [Reviews]
              http:
              - match: [{headers: {end-user: {exact: jason}}}]
                route: [{destination: {host: REVIEWS.default.svc.cluster.local., subset: v2}}]
              - route:
                - {destination: {host: reviews, subset: v1}, weight: 50}
                - {destination: {host: reviews.default.svc.cluster.local, subset: v3}, weight: 50}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: ratings}
            spec:
              hosts: [ratings.default.svc.cluster.local.]
              http:
              - route: [{destination: {host: Ratings, subset: v1}}]
                timeout: 2s
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: external}
            spec:
              hosts: ["*.Example.com"]
              location: MESH_EXTERNAL
              resolution: NONE
              ports: [{number: 80, name: http, protocol: HTTP}]
            """;

    @TempDir
    Path dir;

    @Test
    void everySpellingOfAnInClusterServiceRoutesLikeItsPlainName() {
        try (Mesh mesh = mesh(dir, BOOKINFO, ROUTES)) {
            List<String> spellings = List.of("reviews.default.svc.cluster.local.", "REVIEWS.Default.SVC.cluster.LOCAL",
                    "Reviews.default.svc.cluster.local.", "reviews", "Reviews", "reviews.default", "REVIEWS.DEFAULT",
                    "reviews.default.svc", "REVIEWS.default.SVC");
            for (Map<String, String> headers : List.of(Map.<String, String>of(), Map.of("end-user", "jason"))) {
                for (long seed = 0; seed < 20; seed++) {
                    String plain = summary(mesh, "reviews.default.svc.cluster.local", 9080, headers, seed);
                    assertThat(plain).startsWith("FORWARD reviews.default.svc.cluster.local default/reviews");
                    for (String spelling : spellings) {
                        assertThat(summary(mesh, spelling, 9080, headers, seed))
                                .as("%s, %s, seed %d", spelling, headers, seed).isEqualTo(plain);
                    }
                }
            }
            assertThat(summary(mesh, "reviews.default.svc.cluster.local.", 9080, Map.of("end-user", "jason"), 0))
                    .contains("outbound|9080|v2|reviews.default.svc.cluster.local");
        }
    }

    @Test
    void hostsWrittenInConfigWithATrailingDotOrInUpperCaseAreThePlainNames() {
        try (Mesh mesh = mesh(dir, BOOKINFO, ROUTES)) {
            RouteDecision d = mesh.route(request("ratings", 9080, Map.of()), new Random(1));

            assertThat(d.virtualService()).isEqualTo("default/ratings");
            assertThat(d.cluster().key()).isEqualTo("outbound|9080|v1|ratings.default.svc.cluster.local");
            assertThat(summary(mesh, "RATINGS.default.svc.cluster.local.", 9080, Map.of(), 1))
                    .isEqualTo(summary(mesh, "ratings", 9080, Map.of(), 1));
        }
    }

    @Test
    void anAbsoluteShortFormIsNotTheService() {
        // "reviews." is the top-level name "reviews": no resolver applies search domains to it, and Istio's
        // virtual host for reviews.default.svc.cluster.local does not list it.
        try (Mesh mesh = mesh(dir, BOOKINFO, ROUTES)) {
            RouteDecision d = mesh.route(request("reviews.", 9080, Map.of()), new Random(1));

            assertThat(d.action()).isEqualTo(RouteAction.FORWARD);
            assertThat(d.cluster().key()).isEqualTo(MeshCompiler.PASSTHROUGH_CLUSTER);
            assertThat(d.host()).isEqualTo("reviews");
            assertThat(mesh.route(request("reviews.default.svc.", 9080, Map.of()), new Random(1)).cluster().key())
                    .isEqualTo(MeshCompiler.PASSTHROUGH_CLUSTER);
        }
    }

    @Test
    void wildcardServicesMatchEverySpellingAndReportTheNormalizedHost() {
        try (Mesh mesh = mesh(dir, BOOKINFO, ROUTES)) {
            RouteDecision plain = mesh.route(request("api.example.com", 80, Map.of()), new Random(3));
            RouteDecision absolute = mesh.route(request("API.Example.COM.", 80, Map.of()), new Random(3));

            assertThat(absolute.host()).isEqualTo(plain.host()).isEqualTo("api.example.com");
            assertThat(absolute.cluster()).isSameAs(plain.cluster());
            assertThat(absolute.cluster().key()).isEqualTo("outbound|80||*.example.com");
            // resolution NONE: the application's own name is resolved, spelled as the application wrote it.
            assertThat(absolute.endpoint().address()).isEqualTo("API.Example.COM.");
            assertThat(mesh.snapshot().qualify("Reviews.Default")).isEqualTo("reviews.default.svc.cluster.local");
            assertThat(mesh.snapshot().qualify("reviews.default.")).as("absolute: no short form").isEqualTo("reviews.default");
            assertThat(mesh.snapshot().qualify("REVIEWS")).isEqualTo("reviews.default.svc.cluster.local");
        }
    }

    /** A request as an adapter hands it over, host exactly as the application wrote it. */
    private static RouteRequest request(String host, int port, Map<String, String> headers) {
        return new RouteRequest("http", "GET", host, port, null, "/", null, RequestHeaders.of(headers), null);
    }

    private static String summary(Mesh mesh, String host, int port, Map<String, String> headers, long seed) {
        RouteDecision d = mesh.route(request(host, port, headers), new Random(seed));
        return d.action() + " " + d.host() + " " + d.virtualService() + " "
                + (d.cluster() == null ? "-" : d.cluster().key()) + " " + d.endpoint() + " " + d.status();
    }
}
