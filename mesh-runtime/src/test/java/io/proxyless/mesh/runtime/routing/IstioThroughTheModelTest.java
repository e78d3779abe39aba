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

    @Test
    void aDestinationRulesSettingsReachTheClusterThroughTheModel() throws Exception {
        java.nio.file.Files.writeString(dir.resolve("zones.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: zones}
                spec:
                  hosts: [zones.default.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 80, name: http, protocol: HTTP}]
                  endpoints:
                  - {address: 10.1.0.1, locality: us/zone1}
                  - {address: 10.1.0.2, locality: us/zone1}
                  - {address: 10.2.0.1, locality: us/zone2}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: zones}
                spec:
                  host: zones
                  trafficPolicy:
                    connectionPool:
                      tcp: {maxConnectionDuration: 30s}
                      http: {maxRequestsPerConnection: 7, http2KeepAlive: {interval: 5s, timeout: 2s}}
                    outlierDetection: {consecutive5xxErrors: 3, baseEjectionTime: 400s}
                    loadBalancer:
                      simple: ROUND_ROBIN
                      localityLbSetting:
                        distribute:
                        - from: us/zone1/*
                          to: {"us/zone1/*": 80, "us/zone2/*": 20}
                  subsets:
                  - name: passthrough
                    labels: {}
                    trafficPolicy: {loadBalancer: {simple: PASSTHROUGH}}
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: zones}
                spec:
                  hosts: [zones]
                  http:
                  - match: [{uri: {prefix: /first}}]
                    route: [{destination: {host: zones, subset: passthrough}}]
                  - route: [{destination: {host: zones}}]
                """);
        try (Mesh mesh = Mesh.builder().configPaths(dir).namespace("default").locality("us/zone1/a").watch(false)
                .build()) {
            Cluster zones = mesh.snapshot().clusters().get("outbound|80||zones.default.svc.cluster.local");
            var limits = zones.pool().limits();
            assertThat(limits.maxRequestsPerConnection()).isEqualTo(7);
            assertThat(limits.maxConnectionDuration()).isEqualTo(java.time.Duration.ofSeconds(30));
            assertThat(limits.http2KeepAliveInterval()).isEqualTo(java.time.Duration.ofSeconds(5));
            assertThat(limits.http2KeepAliveTimeout()).isEqualTo(java.time.Duration.ofSeconds(2));
            assertThat(zones.outlier().settings().maxEjectionTime()).as("Envoy: the base when above 300 s")
                    .isEqualTo(java.time.Duration.ofSeconds(400));
            assertThat(mesh.snapshot().clusters().get("outbound|80|passthrough|zones.default.svc.cluster.local")
                    .loadBalancerName()).isEqualTo("PASSTHROUGH");
            // distribute: zone1's two endpoints share 80 %, zone2's one takes 20 %.
            java.util.Random random = new java.util.Random(7);
            java.util.Map<String, Integer> picks = new java.util.TreeMap<>();
            for (int i = 0; i < 10_000; i++) {
                picks.merge(mesh.route(get("http://zones/"), random).endpoint().address(), 1, Integer::sum);
            }
            assertThat(picks.get("10.2.0.1")).isBetween(1_700, 2_300);
            assertThat(picks.get("10.1.0.1") + picks.get("10.1.0.2")).isBetween(7_700, 8_300);
        }
    }
}
