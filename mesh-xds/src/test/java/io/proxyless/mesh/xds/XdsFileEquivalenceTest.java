package io.proxyless.mesh.xds;

import static io.proxyless.mesh.xds.XdsFixtures.action;
import static io.proxyless.mesh.xds.XdsFixtures.cluster;
import static io.proxyless.mesh.xds.XdsFixtures.defaultRetries;
import static io.proxyless.mesh.xds.XdsFixtures.headerExact;
import static io.proxyless.mesh.xds.XdsFixtures.percent;
import static io.proxyless.mesh.xds.XdsFixtures.prefix;
import static io.proxyless.mesh.xds.XdsFixtures.route;
import static io.proxyless.mesh.xds.XdsFixtures.weighted;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.model.ClusterWeight;
import io.proxyless.mesh.runtime.model.MeshModel;
import io.proxyless.mesh.runtime.model.RouteConfiguration;
import io.proxyless.mesh.runtime.routing.FaultPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * File mode and xDS mode decide alike: each Istio traffic-management scenario is loaded once as YAML and once as
 * the xDS istiod would send for it (sidecar and proxyless shapes, state-of-the-world and delta), and the decisions
 * for the same requests and the same random seeds must be the same.
 */
class XdsFileEquivalenceTest {
    private static final int SEEDS = 40;

    @TempDir
    Path dir;

    static Stream<Arguments> modes() {
        return Stream.of(Arguments.of("sidecar", "sotw"), Arguments.of("sidecar", "delta"),
                Arguments.of("proxyless", "sotw"), Arguments.of("proxyless", "delta"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modes")
    void headerRoutingSendsJasonToV2LikeFileMode(String shape, String protocol) throws Exception {
        assertSameDecisions(shape, protocol, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match: [{headers: {end-user: {exact: jason}}}]
                    route: [{destination: {host: reviews, subset: v2}}]
                  - route: [{destination: {host: reviews, subset: v1}}]
                """, p -> Map.of("reviews", List.of(
                route("reviews", "").setMatch(headerExact("end-user", "jason"))
                        .setRoute(action(p, null).setCluster(cluster("reviews", "v2")).setRetryPolicy(defaultRetries()))
                        .build(),
                route("reviews", "").setMatch(prefix("/"))
                        .setRoute(action(p, null).setCluster(cluster("reviews", "v1")).setRetryPolicy(defaultRetries()))
                        .build())),
                get("http://reviews:9080/reviews/1", "end-user", "jason"), get("http://reviews:9080/"),
                get("http://reviews.default.svc.cluster.local:9080/", "end-user", "Jason"),
                get("http://ratings:9080/ratings/0"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modes")
    void eightyTwentyShiftPicksTheSameSubsetsForTheSameSeeds(String shape, String protocol) throws Exception {
        assertSameDecisions(shape, protocol, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route:
                    - {destination: {host: reviews, subset: v1}, weight: 80}
                    - {destination: {host: reviews, subset: v3}, weight: 20}
                """, p -> Map.of("reviews", List.of(route("reviews", "").setMatch(prefix("/"))
                .setRoute(action(p, null).setWeightedClusters(weighted(cluster("reviews", "v1"), 80,
                        cluster("reviews", "v3"), 20)).setRetryPolicy(defaultRetries())).build())),
                get("http://reviews:9080/"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modes")
    void mirrorToV2AtHalfTheRequestsLikeFileMode(String shape, String protocol) throws Exception {
        assertSameDecisions(shape, protocol, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route: [{destination: {host: reviews, subset: v1}, weight: 100}]
                    mirror: {host: reviews, subset: v2}
                    mirrorPercentage: {value: 50.0}
                """, p -> Map.of("reviews", List.of(route("reviews", "").setMatch(prefix("/"))
                .setRoute(action(p, null).setCluster(cluster("reviews", "v1")).setRetryPolicy(defaultRetries())
                        .addRequestMirrorPolicies(RouteAction.RequestMirrorPolicy.newBuilder()
                                .setCluster(cluster("reviews", "v2")).setDisableShadowHostSuffixAppend(true)
                                .setRuntimeFraction(RuntimeFractionalPercent.newBuilder()
                                        .setDefaultValue(percent(50)))))
                .build())),
                get("http://reviews:9080/"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modes")
    void faultDelayForJasonAndAbortForOthersLikeFileMode(String shape, String protocol) throws Exception {
        HTTPFault delay = HTTPFault.newBuilder().setDelay(FaultDelay.newBuilder()
                .setFixedDelay(XdsFixtures.duration(Duration.ofSeconds(7))).setPercentage(percent(100))).build();
        HTTPFault abort = HTTPFault.newBuilder().setAbort(FaultAbort.newBuilder().setHttpStatus(500)
                .setPercentage(percent(10))).build();
        assertSameDecisions(shape, protocol, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: ratings}
                spec:
                  hosts: [ratings]
                  http:
                  - match: [{headers: {end-user: {exact: jason}}}]
                    fault: {delay: {percentage: {value: 100.0}, fixedDelay: 7s}}
                    route: [{destination: {host: ratings, subset: v1}}]
                  - fault: {abort: {percentage: {value: 10.0}, httpStatus: 500}}
                    route: [{destination: {host: ratings, subset: v1}}]
                """, p -> Map.of("ratings", List.of(
                route("ratings", "").setMatch(headerExact("end-user", "jason"))
                        .setRoute(action(p, null).setCluster(cluster("ratings", "v1")).setRetryPolicy(defaultRetries()))
                        .putTypedPerFilterConfig("envoy.filters.http.fault", Any.pack(delay)).build(),
                route("ratings", "").setMatch(prefix("/"))
                        .setRoute(action(p, null).setCluster(cluster("ratings", "v1")).setRetryPolicy(defaultRetries()))
                        .putTypedPerFilterConfig("envoy.filters.http.fault", Any.pack(abort)).build())),
                get("http://ratings:9080/", "end-user", "jason"), get("http://ratings:9080/"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modes")
    void routeTimeoutOfHalfASecondLikeFileMode(String shape, String protocol) throws Exception {
        assertSameDecisions(shape, protocol, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route: [{destination: {host: reviews, subset: v2}}]
                    timeout: 0.5s
                """, p -> Map.of("reviews", List.of(route("reviews", "").setMatch(prefix("/"))
                .setRoute(action(p, Duration.ofMillis(500)).setCluster(cluster("reviews", "v2"))
                        .setRetryPolicy(defaultRetries())).build())),
                get("http://reviews:9080/"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modes")
    void retriesWithPerTryTimeoutAndStatusCodesLikeFileMode(String shape, String protocol) throws Exception {
        RetryPolicy retries = RetryPolicy.newBuilder().setRetryOn("5xx,retriable-status-codes")
                .setNumRetries(UInt32Value.of(3)).setPerTryTimeout(XdsFixtures.duration(Duration.ofSeconds(2)))
                .addRetriableStatusCodes(503).setHostSelectionRetryMaxAttempts(5)
                .addRetryHostPredicate(defaultRetries().getRetryHostPredicate(0)).build();
        assertSameDecisions(shape, protocol, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: ratings}
                spec:
                  hosts: [ratings]
                  http:
                  - route: [{destination: {host: ratings, subset: v1}}]
                    retries: {attempts: 3, perTryTimeout: 2s, retryOn: "5xx,503"}
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route: [{destination: {host: reviews, subset: v3}}]
                    retries: {attempts: 0}
                """, p -> Map.of(
                "ratings", List.of(route("ratings", "").setMatch(prefix("/"))
                        .setRoute(action(p, null).setCluster(cluster("ratings", "v1")).setRetryPolicy(retries)).build()),
                "reviews", List.of(route("reviews", "").setMatch(prefix("/"))
                        .setRoute(action(p, null).setCluster(cluster("reviews", "v3"))).build())),
                get("http://ratings:9080/"), get("http://reviews:9080/"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modes")
    void rewriteAndHeaderOperationsLikeFileMode(String shape, String protocol) throws Exception {
        assertSameDecisions(shape, protocol, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - match: [{uri: {prefix: /v1/}}]
                    rewrite: {uri: /, authority: reviews-v1}
                    headers:
                      request:
                        set: {x-mesh: "on"}
                        add: {x-trace: "1"}
                        remove: [cookie]
                    route: [{destination: {host: reviews, subset: v1}}]
                """, p -> Map.of("reviews", List.of(route("reviews", "").setMatch(prefix("/v1/"))
                .setRoute(action(p, null).setCluster(cluster("reviews", "v1")).setRetryPolicy(defaultRetries())
                        .setPrefixRewrite("/").setHostRewriteLiteral("reviews-v1"))
                .addRequestHeadersToAdd(HeaderValueOption.newBuilder()
                        .setHeader(HeaderValue.newBuilder().setKey("x-mesh").setValue("on"))
                        .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD))
                .addRequestHeadersToAdd(HeaderValueOption.newBuilder()
                        .setHeader(HeaderValue.newBuilder().setKey("x-trace").setValue("1"))
                        .setAppendAction(HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD))
                .addRequestHeadersToRemove("cookie").build())),
                get("http://reviews:9080/v1/x"), get("http://reviews:9080/other"));
    }

    // ---- helpers ----

    private void assertSameDecisions(String shape, String protocol, String yaml,
                                     Function<Boolean, Map<String, List<Route>>> xdsRoutes,
                                     RouteRequest... requests) throws IOException {
        boolean proxyless = shape.equals("proxyless");
        Path files = Files.createDirectories(dir.resolve("files"));
        Files.writeString(files.resolve("bookinfo.yaml"), BOOKINFO_YAML);
        Files.writeString(files.resolve("scenario.yaml"), yaml);
        try (XdsTestServer server = new XdsTestServer()) {
            server.set(XdsFixtures.bookinfo(proxyless, xdsRoutes.apply(proxyless)));
            Path bootstrap = dir.resolve("bootstrap.json");
            Files.writeString(bootstrap, server.bootstrapJson(proxyless, protocol.equals("delta")));
            try (Mesh file = Mesh.builder().configPaths(files).watch(false).build();
                 Mesh xds = Mesh.builder().xdsBootstrap(bootstrap).build()) {
                assertThat(xds.source().lastProblems()).noneMatch(p -> p.isError());
                // The model itself: what the runtime writes for the Istio YAML (as istiod would) and what xDS
                // parses into agree on every route and every cluster's endpoints.
                assertThat(ModelView.of(xds.snapshot().model())).isEqualTo(ModelView.of(file.snapshot().model()));
                for (RouteRequest request : requests) {
                    for (int seed = 0; seed < SEEDS; seed++) {
                        View expected = View.of(file.route(request, new Random(seed)));
                        View actual = View.of(xds.route(request, new Random(seed)));
                        assertThat(actual).as("%s %s, seed %d", request.host(), request.path(), seed)
                                .isEqualTo(expected);
                    }
                }
            }
        }
    }

    private static RouteRequest get(String url, String... headerPairs) {
        RouteRequest.Builder b = RouteRequest.builder("GET", url);
        for (int i = 0; i < headerPairs.length; i += 2) {
            b.header(headerPairs[i], headerPairs[i + 1]);
        }
        return b.build();
    }

    /**
     * What must agree between the modes (identity of snapshot objects aside), in the terms both share: the
     * route's origin ({@code VirtualService ns/name}), compiled header operations and rewrites.
     */
    record View(String action, String host, int port, String origin, Integer routeIndex,
                String destinationHost, String destinationSubset, int destinationPort, String cluster,
                String endpoint, Duration timeout, List<Object> retries, FaultPolicy fault, List<String> mirrors,
                Object rewrite, Object routeHeaders, Object destinationHeaders, int status) {
        static View of(RouteDecision d) {
            var r = d.retries();
            List<Object> retries = r == null ? null : List.of(r.attempts(), String.valueOf(r.perTryTimeout()),
                    new TreeSet<>(r.conditions()), new TreeSet<>(r.retriableStatusCodes()), r.avoidPreviousHosts(),
                    r.backoffBase());
            List<String> mirrors = new ArrayList<>();
            d.mirrors().forEach(m -> mirrors.add(m.host() + "/" + m.subset() + "/" + m.percentage() + "/"
                    + (m.cluster() == null ? null : m.cluster().key())));
            // istiod's route for a service without a VirtualService (named "default", no VirtualService origin)
            // is what file mode does without a route: only a VirtualService's route has an identity to compare.
            var route = d.route() != null && d.route().origin() != null
                    && d.route().origin().startsWith("VirtualService ") ? d.route() : null;
            return new View(d.action().name(), d.host(), d.port(), route == null ? null : route.origin(),
                    route == null ? null : route.index(), d.destinationHost(), d.destinationSubset(),
                    d.destinationPort(), d.cluster() == null ? null : d.cluster().key(),
                    d.endpoint() == null ? null : d.endpoint().authority(), d.timeout(), retries, d.fault(), mirrors,
                    route == null ? null : Arrays.asList(route.pathRewrite(), route.hostRewrite()),
                    route == null ? null : List.of(route.requestHeaderOps(), route.responseHeaderOps()),
                    route == null || d.destination() == null ? null : List.of(d.destination().requestHeaderOps(),
                            d.destination().responseHeaderOps()), d.status());
        }
    }

    /**
     * The route model in the terms both sources must agree on: per port and service (its first domain), the routes
     * (match, action, header changes, fault; not their origin, which is for messages, nor the weight of a lone
     * cluster, which takes everything whatever it is); the endpoints of every cluster a route names.
     */
    record ModelView(Map<String, List<String>> routes, Map<String, List<String>> endpoints) {
        static ModelView of(MeshModel model) {
            Map<String, List<String>> routes = new TreeMap<>();
            Map<String, List<String>> endpoints = new TreeMap<>();
            model.routeConfigurations().forEach((port, rc) -> rc.virtualHosts().forEach(vh -> {
                if (vh.domains().get(0).toString().contains("*") || port == RouteConfiguration.ANY_PORT) {
                    return; // istiod sends no configuration for any port: the mesh's port-less lookup
                }
                List<String> out = new ArrayList<>();
                for (io.proxyless.mesh.runtime.model.Route r : vh.routes()) {
                    io.proxyless.mesh.runtime.model.Route route = r.withOrigin(null).withVirtualService(null, -1);
                    io.proxyless.mesh.runtime.model.RouteAction a = route.routeAction();
                    if (a != null && a.clusters().size() == 1) {
                        route = new io.proxyless.mesh.runtime.model.Route(route.name(), route.match(),
                                new io.proxyless.mesh.runtime.model.RouteAction(List.of(new ClusterWeight(
                                        a.clusters().get(0).cluster(), 1, a.clusters().get(0).requestHeaders(),
                                        a.clusters().get(0).responseHeaders(), a.clusters().get(0).hostRewrite())),
                                        a.timeout(), a.retryPolicy(),
                                        a.hashPolicies(), a.mirrors(), a.rewrite(), a.hostRewrite()),
                                route.requestHeaders(), route.responseHeaders(), route.fault(), null, null, -1);
                    }
                    if (a != null) {
                        a.clusters().forEach(w -> endpoints.put(w.cluster(), endpoints(model, w.cluster())));
                        a.mirrors().forEach(m -> endpoints.put(m.cluster(), endpoints(model, m.cluster())));
                    }
                    out.add(route.toString());
                }
                routes.put(port + " " + vh.domains().get(0), out);
            }));
            return new ModelView(routes, endpoints);
        }

        private static List<String> endpoints(MeshModel model, String cluster) {
            return model.endpoints(cluster).stream().map(e -> e.address() + ":" + e.port()).sorted().toList();
        }
    }

    private static final String BOOKINFO_YAML = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: reviews}
            spec:
              hosts: [reviews.default.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 9080, name: http, protocol: HTTP}]
              endpoints:
              - {address: 10.0.0.1, labels: {app: reviews, version: v1}}
              - {address: 10.0.0.2, labels: {app: reviews, version: v2}}
              - {address: 10.0.0.3, labels: {app: reviews, version: v3}}
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: ratings}
            spec:
              hosts: [ratings.default.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 9080, name: http, protocol: HTTP}]
              endpoints:
              - {address: 10.0.1.1, labels: {app: ratings, version: v1}}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: reviews}
            spec:
              host: reviews
              subsets:
              - {name: v1, labels: {version: v1}}
              - {name: v2, labels: {version: v2}}
              - {name: v3, labels: {version: v3}}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: ratings}
            spec:
              host: ratings
              subsets:
              - {name: v1, labels: {version: v1}}
            """;
}
