package io.proxyless.mesh.runtime.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proxyless.mesh.api.HostName;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.call.DirectResponses;
import io.proxyless.mesh.runtime.call.Redirects;
import io.proxyless.mesh.runtime.config.MeshConfig;
import io.proxyless.mesh.runtime.health.AttemptOutcome;
import io.proxyless.mesh.runtime.model.Cluster;
import io.proxyless.mesh.runtime.model.ClusterKey;
import io.proxyless.mesh.runtime.model.ClusterLoadAssignment;
import io.proxyless.mesh.runtime.model.ClusterWeight;
import io.proxyless.mesh.runtime.model.DirectResponse;
import io.proxyless.mesh.runtime.model.HashPolicy;
import io.proxyless.mesh.runtime.model.HeaderMatch;
import io.proxyless.mesh.runtime.model.LbEndpoint;
import io.proxyless.mesh.runtime.model.LbPolicy;
import io.proxyless.mesh.runtime.model.MeshModel;
import io.proxyless.mesh.runtime.model.OutlierDetection;
import io.proxyless.mesh.runtime.model.PathMatch;
import io.proxyless.mesh.runtime.model.Redirect;
import io.proxyless.mesh.runtime.model.Route;
import io.proxyless.mesh.runtime.model.RouteAction;
import io.proxyless.mesh.runtime.model.RouteConfiguration;
import io.proxyless.mesh.runtime.model.RouteMatch;
import io.proxyless.mesh.runtime.model.StringMatch;
import io.proxyless.mesh.runtime.model.VirtualHost;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.testing.FakeClock;
import io.proxyless.mesh.runtime.testing.PushConfigSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** A route model a source publishes ({@link MeshConfig#ofModel}) is what the request path runs on. */
class ModelCompilerTest {
    private static final String REVIEWS = "reviews.default.svc.cluster.local";
    private static final ClusterKey V1 = ClusterKey.of(9080, "v1", REVIEWS);
    private static final ClusterKey V2 = ClusterKey.of(9080, "v2", REVIEWS);

    private final FakeClock clock = new FakeClock();

    private static MeshModel model(MeshModel.OutboundPolicy outbound, Route... reviewsRoutes) {
        VirtualHost reviews = VirtualHost.of(REVIEWS + ":9080", domains(REVIEWS, "reviews.default", "reviews"),
                List.of(reviewsRoutes), "VirtualService default/reviews");
        VirtualHost wildcard = VirtualHost.of("wild", domains("*.example.com"), List.of(Route.forward("w",
                RouteMatch.prefix("/"), RouteAction.forCluster(V2.name()))));
        VirtualHost narrower = VirtualHost.of("narrow", domains("*.api.example.com"), List.of(Route.forward("n",
                RouteMatch.prefix("/"), RouteAction.forCluster(V1.name()))));
        return MeshModel.of(List.of(RouteConfiguration.of("9080", 9080, List.of(reviews, wildcard, narrower))),
                List.of(Cluster.eds(V1).withLbPolicy(LbPolicy.roundRobin()),
                        Cluster.eds(V2).withLbPolicy(LbPolicy.ringHash(1024))
                                .withOutlierDetection(OutlierDetection.consecutive5xx(1, Duration.ofSeconds(10),
                                        Duration.ofSeconds(30)))),
                List.of(ClusterLoadAssignment.of(V1.name(), List.of(LbEndpoint.of("10.0.0.1", 9080),
                                LbEndpoint.of("10.0.0.2", 9080))),
                        ClusterLoadAssignment.of(V2.name(), List.of(LbEndpoint.of("10.0.1.1", 9080),
                                LbEndpoint.of("10.0.1.2", 9080), LbEndpoint.of("10.0.1.3", 9080)))),
                outbound, List.of());
    }

    private static List<HostName> domains(String... names) {
        return Stream.of(names).map(HostName::of).toList();
    }

    private static Route jasonToV2() {
        return Route.forward("jason", RouteMatch.of(PathMatch.prefix("/", true),
                        List.of(HeaderMatch.of("end-user", StringMatch.exact("jason"))), List.of()),
                RouteAction.forCluster(V2.name()).withHashPolicies(List.of(HashPolicy.header("x-user"))));
    }

    private static Route everyoneToV1() {
        return Route.forward("rest", RouteMatch.prefix("/reviews"), RouteAction.forCluster(V1.name()));
    }

    private Mesh mesh(MeshModel model) {
        return Mesh.builder().configSource(new PushConfigSource(MeshConfig.ofModel(model, List.of()))).clock(clock)
                .build();
    }

    private static RouteRequest get(String url, String... headers) {
        RouteRequest.Builder b = RouteRequest.builder("GET", url);
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b.build();
    }

    @Test
    void aModelConfigHasNoIstioResourcesAndAnIstioConfigNoModel() {
        MeshModel model = model(MeshModel.OutboundPolicy.ALLOW_ANY, everyoneToV1());
        MeshConfig config = MeshConfig.ofModel(model, List.of());
        assertThat(config.model()).containsSame(model);
        assertThat(config.resources()).isEmpty();
        assertThat(config.isEmpty()).isFalse();
        assertThat(MeshConfig.of(List.of()).model()).isEmpty();
        assertThat(MeshConfig.EMPTY.model()).isEmpty();
    }

    @Test
    void routesByVirtualHostDomainsAndRouteMatches() {
        try (Mesh mesh = mesh(model(MeshModel.OutboundPolicy.ALLOW_ANY, jasonToV2(), everyoneToV1()))) {
            RouteDecision jason = mesh.route(get("http://reviews:9080/reviews/1", "end-user", "jason"));
            assertThat(jason.isForward()).isTrue();
            assertThat(jason.host()).isEqualTo(REVIEWS);
            assertThat(jason.cluster().key()).isEqualTo(V2.name());
            assertThat(jason.destinationSubset()).isEqualTo("v2");
            assertThat(jason.destinationPort()).isEqualTo(9080);
            assertThat(jason.endpoint().address()).startsWith("10.0.1.");

            for (String host : List.of("reviews", "reviews.default", REVIEWS, REVIEWS + ".", "REVIEWS.default")) {
                RouteDecision d = mesh.route(get("http://" + host + ":9080/reviews/1"));
                assertThat(d.cluster().key()).as(host).isEqualTo(V1.name());
            }

            RouteDecision noRoute = mesh.route(get("http://reviews:9080/other"));
            assertThat(noRoute.status()).isEqualTo(404);
            assertThat(noRoute.reason()).contains("VirtualService default/reviews");

            // The longest wildcard wins.
            assertThat(mesh.route(get("http://a.api.example.com:9080/")).cluster().key()).isEqualTo(V1.name());
            assertThat(mesh.route(get("http://a.example.com:9080/")).cluster().key()).isEqualTo(V2.name());
        }
    }

    @Test
    void aHostOnNoListenerPortPassesThroughOrIsRefusedUnderRegistryOnly() {
        try (Mesh mesh = mesh(model(MeshModel.OutboundPolicy.ALLOW_ANY, everyoneToV1()))) {
            RouteDecision other = mesh.route(get("http://reviews:8080/reviews"));
            assertThat(other.isForward()).isTrue();
            assertThat(other.cluster().passthrough()).isTrue();
            assertThat(mesh.route(get("http://elsewhere.io:9080/")).cluster().key())
                    .isEqualTo(MeshCompiler.PASSTHROUGH_CLUSTER);
        }
        try (Mesh mesh = mesh(model(MeshModel.OutboundPolicy.REGISTRY_ONLY, everyoneToV1()))) {
            RouteDecision refused = mesh.route(get("http://elsewhere.io:9080/"));
            assertThat(refused.status()).isEqualTo(502);
        }
    }

    @Test
    void weightedClustersSplitByWeight() {
        Route split = Route.forward("split", RouteMatch.prefix("/"), RouteAction.forWeightedClusters(List.of(
                ClusterWeight.of(V1.name(), 75), ClusterWeight.of(V2.name(), 25))));
        try (Mesh mesh = mesh(model(MeshModel.OutboundPolicy.ALLOW_ANY, split))) {
            Random random = new Random(7);
            int v1 = 0;
            for (int i = 0; i < 4000; i++) {
                if (mesh.route(get("http://reviews:9080/"), random).cluster().key().equals(V1.name())) {
                    v1++;
                }
            }
            assertThat(v1).isBetween(2800, 3200);
        }
    }

    @Test
    void underLocalityWeightsALocalityWithoutWeightTakesTrafficOnlyWhileNoWeightedOneIsHealthy() {
        LbEndpoint weighted = new LbEndpoint("10.0.0.1", 9080, 1, "r/a", 0, Map.of(), null, 2);
        LbEndpoint unweighted = new LbEndpoint("10.0.0.2", 9080, 1, "r/c", 0, Map.of(), null, 0);
        VirtualHost reviews = VirtualHost.of(REVIEWS + ":9080", domains(REVIEWS, "reviews"), List.of(everyoneToV1()),
                "VirtualService default/reviews");
        Cluster cluster = Cluster.eds(V1).withOutlierDetection(new OutlierDetection(1, 0, 0, false,
                Duration.ofSeconds(10), Duration.ofSeconds(30), 100, 0));
        java.util.function.Function<LbPolicy, MeshModel> model = lb -> MeshModel.of(
                List.of(RouteConfiguration.of("9080", 9080, List.of(reviews))), List.of(cluster.withLbPolicy(lb)),
                List.of(ClusterLoadAssignment.of(V1.name(), List.of(weighted, unweighted))),
                MeshModel.OutboundPolicy.ALLOW_ANY, List.of());
        RouteRequest request = get("http://reviews:9080/reviews/1");
        try (Mesh mesh = mesh(model.apply(LbPolicy.roundRobin()))) {
            Set<String> seen = new HashSet<>();
            for (int seed = 0; seed < 20; seed++) {
                seen.add(mesh.route(request, new Random(seed)).endpoint().address());
            }
            assertThat(seen).as("locality shares ignored without locality-weighted balancing")
                    .containsExactlyInAnyOrder("10.0.0.1", "10.0.0.2");
        }
        try (Mesh mesh = mesh(model.apply(LbPolicy.roundRobin().withLocalityWeighted(true)))) {
            for (int seed = 0; seed < 20; seed++) {
                assertThat(mesh.route(request, new Random(seed)).endpoint().address()).isEqualTo("10.0.0.1");
            }
            io.proxyless.mesh.runtime.routing.Cluster v1 = mesh.snapshot().clusters().get(V1.name());
            Endpoint first = v1.endpoints().get(0);
            v1.attemptStarted(first);
            v1.attemptFinished(first, AttemptOutcome.httpStatus(503));
            clock.advance(Duration.ofSeconds(10));
            assertThat(v1.outlier().isEjected(first)).isTrue();
            // Envoy: no weighted locality has a healthy endpoint, so all healthy endpoints of the priority serve.
            for (int seed = 0; seed < 20; seed++) {
                assertThat(mesh.route(request, new Random(seed)).endpoint().address()).isEqualTo("10.0.0.2");
            }
        }
    }

    /**
     * V1 with four endpoints in each of {@code localities} (weight 1 each, priorities in the given order unless
     * {@code samePriority}), balanced by locality weight under round robin, with outlier detection ejecting on one
     * 5xx at a 10 s interval for 30 s.
     */
    private static MeshModel fourPerLocality(int factor, boolean samePriority, String... localities) {
        List<LbEndpoint> endpoints = new java.util.ArrayList<>();
        for (int l = 0; l < localities.length; l++) {
            for (int i = 1; i <= 4; i++) {
                endpoints.add(new LbEndpoint("10.0." + l + "." + i, 9080, 1, localities[l], samePriority ? 0 : l,
                        Map.of(), null, 1));
            }
        }
        VirtualHost reviews = VirtualHost.of(REVIEWS + ":9080", domains(REVIEWS, "reviews"), List.of(everyoneToV1()),
                "VirtualService default/reviews");
        Cluster cluster = Cluster.eds(V1).withLbPolicy(LbPolicy.roundRobin().withLocalityWeighted(true))
                .withOutlierDetection(new OutlierDetection(1, 0, 0, false, Duration.ofSeconds(10),
                        Duration.ofSeconds(30), 100, 0));
        return MeshModel.of(List.of(RouteConfiguration.of("9080", 9080, List.of(reviews))), List.of(cluster),
                List.of(ClusterLoadAssignment.of(V1.name(), endpoints, factor)), MeshModel.OutboundPolicy.ALLOW_ANY,
                List.of());
    }

    /** Ejects the endpoints of V1 with these addresses: one 5xx each, then the detector's interval passes. */
    private void eject(Mesh mesh, String... addresses) {
        io.proxyless.mesh.runtime.routing.Cluster v1 = mesh.snapshot().clusters().get(V1.name());
        for (String address : addresses) {
            Endpoint e = v1.endpoints().stream().filter(x -> x.address().equals(address)).findFirst().orElseThrow();
            v1.attemptStarted(e);
            v1.attemptFinished(e, AttemptOutcome.httpStatus(503));
        }
        clock.advance(Duration.ofSeconds(10));
        for (String address : addresses) {
            assertThat(v1.endpoints()).filteredOn(x -> x.address().equals(address))
                    .allMatch(x -> v1.outlier().isEjected(x));
        }
    }

    /** The share of 20,000 seeded picks that went to endpoints whose address starts with {@code prefix}. */
    private static double shareOf(Mesh mesh, String prefix) {
        RouteRequest request = get("http://reviews:9080/reviews/1");
        Random random = new Random(7);
        int hits = 0;
        int picks = 20_000;
        for (int i = 0; i < picks; i++) {
            if (mesh.route(request, random).endpoint().address().startsWith(prefix)) {
                hits++;
            }
        }
        return (double) hits / picks;
    }

    @Test
    void anEjectedEndpointScalesItsLocalityByAvailabilityTimesTheOverprovisioningFactorAsEnvoyDoes() {
        try (Mesh mesh = mesh(fourPerLocality(140, true, "r/a", "r/b"))) {
            assertThat(shareOf(mesh, "10.0.0.")).isCloseTo(0.5, org.assertj.core.data.Offset.offset(0.02));
            eject(mesh, "10.0.0.1");
            // 3 of 4 left: 1.4 × 0.75 ≥ 1, so the locality keeps its whole weight (not 3/7 of the traffic).
            assertThat(shareOf(mesh, "10.0.0.")).isCloseTo(0.5, org.assertj.core.data.Offset.offset(0.02));
            eject(mesh, "10.0.0.2");
            // 2 of 4 left: effective weight 1 × min(1, 1.4 × 0.5) = 0.7 against 1, 0.7 / 1.7 of the traffic
            // (removing the ejected endpoints' own part would give 1/3).
            assertThat(shareOf(mesh, "10.0.0.")).isCloseTo(0.7 / 1.7, org.assertj.core.data.Offset.offset(0.02));
            assertThat(shareOf(mesh, "10.0.0.1")).as("ejected endpoints take nothing").isZero();
            assertThat(shareOf(mesh, "10.0.0.2")).isZero();
            clock.advance(Duration.ofSeconds(30));
            // Back from ejection: the availability follows the detector's new state.
            assertThat(shareOf(mesh, "10.0.0.")).isCloseTo(0.5, org.assertj.core.data.Offset.offset(0.02));
        }
        try (Mesh mesh = mesh(fourPerLocality(200, true, "r/a", "r/b"))) {
            eject(mesh, "10.0.0.1", "10.0.0.2");
            // At factor 200 half the endpoints still make the locality fully available.
            assertThat(shareOf(mesh, "10.0.0.")).isCloseTo(0.5, org.assertj.core.data.Offset.offset(0.02));
        }
    }

    @Test
    void ejectedEndpointsCountAgainstTheirPriorityWhichSpillsOverAsEnvoysDoes() {
        try (Mesh mesh = mesh(fourPerLocality(140, false, "r/a", "r/b"))) {
            assertThat(shareOf(mesh, "10.0.0.")).isEqualTo(1.0);
            eject(mesh, "10.0.0.1", "10.0.0.2");
            // Priority 0 at half health takes 1.4 × 0.5 = 70 %, priority 1 the rest.
            assertThat(shareOf(mesh, "10.0.0.")).isCloseTo(0.7, org.assertj.core.data.Offset.offset(0.02));
        }
    }

    @Test
    void theRoutesHashPolicyPinsARequestToOneEndpointOfARingHashCluster() {
        try (Mesh mesh = mesh(model(MeshModel.OutboundPolicy.ALLOW_ANY, jasonToV2()))) {
            Set<Endpoint> seen = new HashSet<>();
            Random random = new Random(1);
            for (int i = 0; i < 50; i++) {
                seen.add(mesh.route(get("http://reviews:9080/", "end-user", "jason", "x-user", "u-17"), random)
                        .endpoint());
            }
            assertThat(seen).hasSize(1);
            RouteDecision d = mesh.route(get("http://reviews:9080/", "end-user", "jason", "x-user", "u-17"));
            assertThat(d.requestHash().key(get("http://reviews:9080/", "x-user", "u-17"))).isEqualTo("u-17");
        }
    }

    @Test
    void clustersCarryTheirEndpointsPoliciesAndHealth() {
        try (Mesh mesh = mesh(model(MeshModel.OutboundPolicy.ALLOW_ANY, everyoneToV1()))) {
            io.proxyless.mesh.runtime.routing.Cluster v2 = mesh.snapshot().clusters().get(V2.name());
            assertThat(v2.endpoints()).extracting(Endpoint::address)
                    .containsExactly("10.0.1.1", "10.0.1.2", "10.0.1.3");
            assertThat(v2.loadBalancerName()).isEqualTo("RING_HASH");
            assertThat(v2.outlier().enabled()).isTrue();
            assertThat(v2.outlier().settings().consecutive5xxErrors()).isEqualTo(1);
            assertThat(mesh.health().get(V2.name())).as("registered when published").isNotNull();
            assertThat(mesh.snapshot().clusters().get(V1.name()).loadBalancerName()).isEqualTo("ROUND_ROBIN");
            assertThat(mesh.snapshot().model().clusters()).containsKeys(V1.name(), V2.name());
            // The compiled view of a model config: its virtual hosts' routes and its clusters.
            String dump = mesh.dump().toJson();
            assertThat(dump).contains(V2.name()).contains("10.0.1.3").contains(REVIEWS);
        }
    }

    @Test
    void redirectsAndDirectResponsesAreAnsweredFromTheModel() {
        Route redirect = Route.redirect("moved", RouteMatch.of(PathMatch.exact("/old", true), List.of(), List.of()),
                Redirect.of("https", "new.example.com", null, false, "/new", null, 302));
        Route direct = Route.directResponse("teapot", RouteMatch.prefix("/tea"), DirectResponse.of(418, "short"));
        try (Mesh mesh = mesh(model(MeshModel.OutboundPolicy.ALLOW_ANY, redirect, direct))) {
            RouteRequest old = get("http://reviews:9080/old?x=1");
            RouteDecision r = mesh.route(old);
            assertThat(r.action()).isEqualTo(io.proxyless.mesh.runtime.routing.RouteAction.REDIRECT);
            assertThat(Redirects.status(r)).isEqualTo(302);
            assertThat(Redirects.location(r, old)).isEqualTo("https://new.example.com/new?x=1");

            RouteDecision d = mesh.route(get("http://reviews:9080/tea"));
            assertThat(d.action()).isEqualTo(io.proxyless.mesh.runtime.routing.RouteAction.DIRECT_RESPONSE);
            assertThat(DirectResponses.status(d)).isEqualTo(418);
            assertThat(new String(DirectResponses.body(d), java.nio.charset.StandardCharsets.UTF_8))
                    .isEqualTo("short");
        }
    }

    @Test
    void anAssignmentsOverprovisioningFactorReachesItsPriorityLevelsAndAChangeOfItAloneRecompilesTheCluster() {
        VirtualHost reviews = VirtualHost.of(REVIEWS + ":9080", domains(REVIEWS, "reviews"), List.of(everyoneToV1()),
                "VirtualService default/reviews");
        List<LbEndpoint> endpoints = List.of(LbEndpoint.of("10.0.0.1", 9080).withLocality("r/a", 0),
                LbEndpoint.of("10.0.0.2", 9080).withLocality("r/b", 1));
        java.util.function.IntFunction<MeshConfig> config = factor -> MeshConfig.ofModel(MeshModel.of(
                List.of(RouteConfiguration.of("9080", 9080, List.of(reviews))), List.of(Cluster.eds(V1)),
                List.of(ClusterLoadAssignment.of(V1.name(), endpoints, factor)), MeshModel.OutboundPolicy.ALLOW_ANY,
                List.of()), List.of());
        PushConfigSource source = new PushConfigSource(config.apply(140));
        try (Mesh mesh = Mesh.builder().configSource(source).clock(clock).build()) {
            var before = mesh.snapshot().clusters().get(V1.name());
            assertThat(before.priorities().overprovisioningFactor()).isEqualTo(1.4);
            source.push(config.apply(140));
            assertThat(mesh.snapshot().clusters().get(V1.name())).as("nothing changed").isSameAs(before);
            source.push(config.apply(250));
            assertThat(mesh.snapshot().clusters().get(V1.name()).priorities().overprovisioningFactor())
                    .isEqualTo(2.5);
        }
        assertThatThrownBy(() -> ClusterLoadAssignment.of(V1.name(), endpoints, 0))
                .hasMessage("overprovisioning factor must be at least 1 percent, was 0");
    }

    @Test
    void aRouteToAClusterTheModelLacksIsRefusedWith503() {
        Route missing = Route.forward("gone", RouteMatch.prefix("/"), RouteAction.forCluster("no-such-cluster"));
        try (Mesh mesh = mesh(model(MeshModel.OutboundPolicy.ALLOW_ANY, missing))) {
            RouteDecision d = mesh.route(get("http://reviews:9080/"));
            assertThat(d.status()).isEqualTo(503);
            assertThat(d.reason()).contains("no-such-cluster");
        }
    }

    @Test
    void aNewModelReplacesTheOldAndKeepsTheHealthOfClustersItKeeps() {
        PushConfigSource source = new PushConfigSource(MeshConfig.ofModel(
                model(MeshModel.OutboundPolicy.ALLOW_ANY, everyoneToV1()), List.of()));
        try (Mesh mesh = Mesh.builder().configSource(source).clock(clock).build()) {
            var detector = mesh.health().get(V2.name()).outlier();
            source.push(MeshConfig.ofModel(model(MeshModel.OutboundPolicy.ALLOW_ANY, jasonToV2()), List.of()));
            assertThat(mesh.route(get("http://reviews:9080/reviews")).status()).isEqualTo(404);
            assertThat(mesh.health().get(V2.name()).outlier()).isSameAs(detector);
        }
    }

    /**
     * The route model an Istio config compiles into routes as the Istio config does: the same decisions for the
     * same requests and seeds.
     */
    @Test
    void theModelOfAnIstioConfigRoutesAsTheIstioConfigDoes() {
        Path config = Path.of("..", "examples", "config");
        try (Mesh istio = Mesh.builder().configPaths(config).namespace("default").watch(false).build();
             Mesh model = Mesh.builder().configSource(new PushConfigSource(
                     MeshConfig.ofModel(istio.snapshot().model(), List.of()))).namespace("default").build()) {
            List<RouteRequest> requests = List.of(
                    get("http://reviews:9080/reviews/1", "end-user", "jason"),
                    get("http://reviews:9080/reviews/1"),
                    get("http://reviews.default.svc.cluster.local:9080/"),
                    get("http://ratings:9080/ratings/0"),
                    get("http://details:9080/details/0"),
                    get("http://productpage:9080/productpage"));
            for (RouteRequest r : requests) {
                for (long seed = 0; seed < 20; seed++) {
                    RouteDecision a = istio.route(r, new Random(seed));
                    RouteDecision b = model.route(r, new Random(seed));
                    assertThat(List.of(b.action(), b.host(), String.valueOf(b.destinationHost()),
                            String.valueOf(b.destinationSubset()), b.status()))
                            .as(r.host() + r.path() + " seed " + seed)
                            .isEqualTo(List.of(a.action(), a.host(), String.valueOf(a.destinationHost()),
                                    String.valueOf(a.destinationSubset()), a.status()));
                    assertThat(b.cluster() == null ? null : b.cluster().key())
                            .isEqualTo(a.cluster() == null ? null : a.cluster().key());
                }
            }
        }
    }

    @Test
    void anEmptyModelPassesEverythingThrough() {
        MeshModel empty = MeshModel.of(List.of(), List.of(), List.of(), MeshModel.OutboundPolicy.ALLOW_ANY,
                List.of("nothing yet"));
        try (Mesh mesh = mesh(empty)) {
            assertThat(mesh.route(get("http://reviews:9080/")).cluster().passthrough()).isTrue();
            assertThat(mesh.snapshot().warnings()).containsExactly("nothing yet");
            assertThat(mesh.snapshot().hosts()).isEmpty();
            assertThat(Map.copyOf(mesh.snapshot().clusters())).containsOnlyKeys(MeshCompiler.PASSTHROUGH_CLUSTER);
        }
    }
}
