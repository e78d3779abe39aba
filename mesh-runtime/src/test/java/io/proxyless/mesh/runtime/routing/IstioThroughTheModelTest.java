package io.proxyless.mesh.runtime.routing;

import static io.proxyless.mesh.runtime.routing.MeshFixture.BOOKINFO;
import static io.proxyless.mesh.runtime.routing.MeshFixture.get;
import static io.proxyless.mesh.runtime.routing.MeshFixture.mesh;
import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.call.HeaderMutations;
import io.proxyless.mesh.runtime.call.Redirects;
import io.proxyless.mesh.runtime.model.RouteConfiguration;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Istio config runs on the request path through the route model istiod would write from it: the identity of an
 * Istio route survives the trip, and what Istio has but Envoy spells differently (port-less lookup, a
 * destination's {@code :authority}, {@code derivePort}) still holds.
 */
class IstioThroughTheModelTest {
    private static final String MULTI_PORT = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: shop}
            spec:
              hosts: [shop.default.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 8080, name: http, protocol: HTTP}, {number: 9090, name: admin, protocol: HTTP}]
              endpoints: [{address: 10.0.9.1}]
            """;

    @TempDir
    Path dir;

    @Test
    void anIstioRouteWithSeveralMatchBlocksIsOneRouteThatNamesTheBlockThatMatched() {
        try (Mesh mesh = mesh(dir, BOOKINFO, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - name: testers
                    match: [{headers: {end-user: {exact: jason}}}, {uri: {prefix: /beta}}]
                    route: [{destination: {host: reviews, subset: v2}}]
                  - route: [{destination: {host: reviews, subset: v1}}]
                """)) {
            RouteDecision byPath = mesh.route(get("http://reviews:9080/beta/1"));
            assertThat(byPath.virtualService()).isEqualTo("default/reviews");
            assertThat(byPath.route().index()).isZero();
            assertThat(byPath.route().name()).isEqualTo("testers");
            assertThat(byPath.matchIndex()).as("the second block").isEqualTo(1);
            assertThat(byPath.route().matchSummary()).containsExactly("headers.end-user exact \"jason\"",
                    "uri prefix \"/beta\"");
            assertThat(mesh.route(get("http://reviews:9080/", "end-user", "jason")).matchIndex()).isZero();
            assertThat(mesh.route(get("http://reviews:9080/")).route().index()).isEqualTo(1);
            // istiod writes one Envoy route per block; the model has both, the request path one.
            assertThat(mesh.snapshot().model().routeConfiguration(9080).orElseThrow().virtualHosts().get(0).routes())
                    .hasSize(3);
        }
    }

    @Test
    void aSinglePortServiceAnswersOnAnyPortAndAMultiPortOneOnlyThroughNamedPorts() {
        try (Mesh mesh = mesh(dir, BOOKINFO, MULTI_PORT, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: shop}
                spec:
                  hosts: [shop]
                  http:
                  - match: [{uri: {prefix: /admin}}]
                    route: [{destination: {host: shop, port: {number: 9090}}}]
                  - route: [{destination: {host: shop}}]
                """)) {
            assertThat(mesh.route(get("http://ratings/ratings/0")).cluster().key())
                    .isEqualTo("outbound|9080||ratings.default.svc.cluster.local");
            assertThat(mesh.route(get("http://shop:8080/")).cluster().key())
                    .isEqualTo("outbound|8080||shop.default.svc.cluster.local");
            assertThat(mesh.route(get("http://shop/admin/x")).cluster().key())
                    .as("a destination with a port routes on any request port")
                    .isEqualTo("outbound|9090||shop.default.svc.cluster.local");
            RouteDecision portless = mesh.route(get("http://shop/"));
            assertThat(portless.status()).isEqualTo(503);
            assertThat(portless.reason()).contains("more than one port").contains("destination.port");
            assertThat(mesh.snapshot().model().routeConfiguration(RouteConfiguration.ANY_PORT)).isPresent();
        }
    }

    @Test
    void aDestinationsAuthorityHeaderAndARedirectsRequestPortSurvive() {
        try (Mesh mesh = mesh(dir, BOOKINFO, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match: [{uri: {prefix: /old}}]
                    redirect: {authority: books, derivePort: FROM_REQUEST_PORT}
                  - route:
                    - destination: {host: reviews, subset: v1}
                      headers: {request: {set: {":authority": reviews-v1.internal}}}
                """)) {
            RouteDecision forward = mesh.route(get("http://reviews:9080/"));
            assertThat(HeaderMutations.authority(forward)).isEqualTo("reviews-v1.internal");
            var redirect = get("http://reviews:9080/old");
            assertThat(Redirects.location(mesh.route(redirect), redirect)).isEqualTo("http://books:9080/old");
        }
    }
}
