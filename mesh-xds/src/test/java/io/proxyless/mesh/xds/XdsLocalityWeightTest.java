package io.proxyless.mesh.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.LoadBalancingPolicy;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin;
import io.envoyproxy.envoy.extensions.load_balancing_policies.wrr_locality.v3.WrrLocality;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.health.AttemptOutcome;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.testing.FakeClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Locality weights from a real xDS server, as Envoy applies them: with locality-weighted balancing on
 * ({@code common_lb_config.locality_weighted_lb_config} or {@code wrr_locality}), a locality is picked by its
 * {@code load_balancing_weight} within the chosen priority, then an endpoint within it by the cluster's policy;
 * without it, locality weights are ignored. Locality availability and priority spillover scale healthy shares by
 * the assignment's {@code policy.overprovisioning_factor}. Counted over many requests, each with its own seed.
 */
class XdsLocalityWeightTest {
    private static final int REQUESTS = 4000;
    private static final String CLUSTER = XdsFixtures.cluster("reviews", "");
    private static final RouteRequest REQUEST = RouteRequest.builder("GET", "http://reviews:9080/").build();

    @TempDir
    Path dir;

    /**
     * Priority 0: zone a (weight 1, two endpoints), zone b (weight 3, one endpoint and those in {@code bDown}),
     * zone c (no weight); priority 1: zone d (weight 5). Endpoints in {@code unhealthy} are UNHEALTHY.
     */
    private static ClusterLoadAssignment assignment(Set<String> unhealthy, List<String> bDown) {
        LocalityLbEndpoints.Builder b = group("b", 3, 0, unhealthy, "10.0.0.3");
        for (String down : bDown) {
            b.addLbEndpoints(endpoint(down, Set.of(down)));
        }
        return ClusterLoadAssignment.newBuilder().setClusterName(CLUSTER)
                .addEndpoints(group("a", 1, 0, unhealthy, "10.0.0.1", "10.0.0.2"))
                .addEndpoints(b)
                .addEndpoints(group("c", 0, 0, unhealthy, "10.0.0.4"))
                .addEndpoints(group("d", 5, 1, unhealthy, "10.0.0.5"))
                .build();
    }

    private static LocalityLbEndpoints.Builder group(String zone, int weight, int priority, Set<String> unhealthy,
                                                     String... addresses) {
        LocalityLbEndpoints.Builder g = LocalityLbEndpoints.newBuilder()
                .setLocality(Locality.newBuilder().setRegion("r").setZone(zone)).setPriority(priority);
        if (weight > 0) {
            g.setLoadBalancingWeight(UInt32Value.of(weight));
        }
        for (String a : addresses) {
            g.addLbEndpoints(endpoint(a, unhealthy));
        }
        return g;
    }

    private static LbEndpoint endpoint(String address, Set<String> unhealthy) {
        LbEndpoint e = XdsFixtures.assignment(CLUSTER, List.of(address), XdsFixtures.PORT).getEndpoints(0)
                .getLbEndpoints(0);
        return unhealthy.contains(address) ? e.toBuilder().setHealthStatus(HealthStatus.UNHEALTHY).build() : e;
    }

    /** {@code cla} with {@code policy.overprovisioning_factor} set to {@code percent}. */
    private static ClusterLoadAssignment overprovisioned(ClusterLoadAssignment cla, int percent) {
        return cla.toBuilder().setPolicy(ClusterLoadAssignment.Policy.newBuilder()
                .setOverprovisioningFactor(UInt32Value.of(percent))).build();
    }

    private static Cluster.Builder roundRobin() {
        return XdsFixtures.edsCluster(CLUSTER, true).toBuilder().setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN);
    }

    private static Cluster.Builder commonLocalityWeighted() {
        return roundRobin().setCommonLbConfig(Cluster.CommonLbConfig.newBuilder().setLocalityWeightedLbConfig(
                Cluster.CommonLbConfig.LocalityWeightedLbConfig.getDefaultInstance()));
    }

    private static LoadBalancingPolicy.Policy policy(com.google.protobuf.Message config) {
        return LoadBalancingPolicy.Policy.newBuilder().setTypedExtensionConfig(TypedExtensionConfig.newBuilder()
                .setName("p").setTypedConfig(Any.pack(config))).build();
    }

    /** Share of the requests each endpoint got, in percent rounded to a tenth. */
    private Map<String, Double> picks(Cluster.Builder cluster, ClusterLoadAssignment cla) throws Exception {
        return shares(endpointPerSeed(cluster, cla));
    }

    /** Share of {@code picked} each endpoint got, in percent rounded to a tenth. */
    private static Map<String, Double> shares(List<String> picked) {
        Map<String, Integer> counts = new TreeMap<>();
        for (String endpoint : picked) {
            counts.merge(endpoint, 1, Integer::sum);
        }
        Map<String, Double> shares = new TreeMap<>();
        counts.forEach((k, v) -> shares.put(k, Math.round(1000.0 * v / picked.size()) / 10.0));
        return shares;
    }

    /** The endpoint each of {@link #REQUESTS} requests went to, request {@code i} with seed {@code i}. */
    private List<String> endpointPerSeed(Cluster.Builder cluster, ClusterLoadAssignment cla) throws Exception {
        return served(cluster, cla, Set.of(), XdsLocalityWeightTest::endpointPerSeed);
    }

    /**
     * The endpoint each of {@link #REQUESTS} requests went to, after outlier detection (one 5xx ejects, on the
     * injected clock) has ejected the endpoints in {@code ejected}, with one random generator of seed 0 for all
     * requests: a priority level is chosen by a uniform draw, and the first draws of generators seeded 0, 1, 2… lie
     * close together, so they would not spread over the levels.
     */
    private List<String> endpointsDrawn(Cluster.Builder cluster, ClusterLoadAssignment cla, Set<String> ejected)
            throws Exception {
        return served(cluster, cla, ejected, mesh -> {
            Random random = new Random(0);
            List<String> out = new ArrayList<>(REQUESTS);
            for (int i = 0; i < REQUESTS; i++) {
                out.add(mesh.route(REQUEST, random).endpoint().address());
            }
            return out;
        });
    }

    /** What {@code requests} finds on a mesh served {@code cluster} and {@code cla} by a real xDS server. */
    private List<String> served(Cluster.Builder cluster, ClusterLoadAssignment cla, Set<String> ejected,
                                java.util.function.Function<Mesh, List<String>> requests) throws Exception {
        XdsFixtures.Resources bookinfo = XdsFixtures.bookinfo(true, Map.of());
        List<Cluster> clusters = new ArrayList<>(bookinfo.clusters());
        clusters.replaceAll(c -> c.getName().equals(CLUSTER) ? cluster.build() : c);
        List<ClusterLoadAssignment> endpoints = new ArrayList<>(bookinfo.endpoints());
        endpoints.replaceAll(e -> e.getClusterName().equals(CLUSTER) ? cla : e);
        try (XdsTestServer server = new XdsTestServer()) {
            server.set(clusters, endpoints, bookinfo.listeners(), bookinfo.routes());
            Path bootstrap = Files.writeString(dir.resolve("bootstrap.json"), server.bootstrapJson(true, false));
            FakeClock clock = new FakeClock();
            try (Mesh mesh = Mesh.builder().xdsBootstrap(bootstrap).clock(clock).build()) {
                assertThat(mesh.source().lastProblems()).noneMatch(p -> p.isError());
                if (!ejected.isEmpty()) {
                    var compiled = mesh.snapshot().clusters().get(CLUSTER);
                    for (Endpoint e : compiled.endpoints()) {
                        if (ejected.contains(e.address())) {
                            compiled.attemptStarted(e);
                            compiled.attemptFinished(e, AttemptOutcome.httpStatus(503));
                        }
                    }
                    clock.advance(Duration.ofSeconds(10));
                    assertThat(compiled.endpoints()).filteredOn(e -> compiled.outlier().isEjected(e))
                            .extracting(Endpoint::address).containsExactlyInAnyOrderElementsOf(ejected);
                }
                return requests.apply(mesh);
            }
        }
    }

    private static List<String> endpointPerSeed(Mesh mesh) {
        List<String> out = new ArrayList<>(REQUESTS);
        for (int seed = 0; seed < REQUESTS; seed++) {
            RouteDecision d = mesh.route(REQUEST, new Random(seed));
            assertThat(d.cluster().key()).isEqualTo(CLUSTER);
            out.add(d.endpoint().address());
        }
        return out;
    }

    /** Each endpoint's share as expected, to within a fifth of a percent (the schedule's rounding). */
    private static void assertShares(Map<String, Double> actual, Map<String, Double> expected) {
        assertShares(actual, expected, 0.2);
    }

    /** Each endpoint's share as expected, to within {@code tolerance} percent. */
    private static void assertShares(Map<String, Double> actual, Map<String, Double> expected, double tolerance) {
        assertThat(actual).containsOnlyKeys(expected.keySet());
        expected.forEach((endpoint, share) -> assertThat(actual.get(endpoint)).as(endpoint + " in " + actual)
                .isCloseTo(share, within(tolerance)));
    }

    @Test
    void localityWeightedClusterPicksLocalitiesByWeightThenEndpointsWithin() throws Exception {
        // a: 1/4 split over its two endpoints, b: 3/4; c has no weight and d is a lower priority: no traffic.
        assertShares(picks(commonLocalityWeighted(), assignment(Set.of(), List.of())),
                Map.of("10.0.0.1", 12.5, "10.0.0.2", 12.5, "10.0.0.3", 75.0));
    }

    @Test
    void wrrLocalityPicksLikeTheCommonSetting() throws Exception {
        Cluster.Builder wrr = roundRobin().setLoadBalancingPolicy(LoadBalancingPolicy.newBuilder()
                .addPolicies(policy(WrrLocality.newBuilder().setEndpointPickingPolicy(LoadBalancingPolicy.newBuilder()
                        .addPolicies(policy(RoundRobin.getDefaultInstance()))).build())));
        assertShares(picks(wrr, assignment(Set.of(), List.of())),
                Map.of("10.0.0.1", 12.5, "10.0.0.2", 12.5, "10.0.0.3", 75.0));
    }

    @Test
    void withoutLocalityWeightedBalancingLocalityWeightsAreIgnored() throws Exception {
        // Envoy ignores locality weights unless the cluster asks for them: every endpoint of priority 0 alike.
        assertShares(picks(roundRobin(), assignment(Set.of(), List.of())),
                Map.of("10.0.0.1", 25.0, "10.0.0.2", 25.0, "10.0.0.3", 25.0, "10.0.0.4", 25.0));
    }

    @Test
    void aPartlyUnhealthyLocalityLosesWeightByItsAvailability() throws Exception {
        // b has one of two endpoints healthy: 3 × min(1, 1.4 × 1/2) = 2.1 against a's 1.
        assertShares(picks(commonLocalityWeighted(), assignment(Set.of(), List.of("10.0.0.6"))),
                Map.of("10.0.0.1", 16.1, "10.0.0.2", 16.1, "10.0.0.3", 67.7));
    }

    @Test
    void withNoHealthyWeightedLocalityThePriorityFallsBackToAllItsHealthyEndpoints() throws Exception {
        // Envoy picks from all healthy hosts of the priority when no locality has an effective weight. With one of
        // its four endpoints healthy, priority 0 keeps 1.4 × 1/4 = 35 % (drawn levels, within a percent).
        assertShares(shares(endpointsDrawn(commonLocalityWeighted(), assignment(Set.of("10.0.0.1", "10.0.0.2",
                "10.0.0.3"), List.of()), Set.of())), Map.of("10.0.0.4", 35.0, "10.0.0.5", 65.0), 1.0);
    }

    @Test
    void aLowerPriorityIsWeightedByItsOwnLocalitiesWhenTheFirstHasNoEndpoints() throws Exception {
        ClusterLoadAssignment cla = assignment(Set.of("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"), List.of())
                .toBuilder().addEndpoints(group("e", 1, 1, Set.of(), "10.0.0.7")).build();
        assertShares(picks(commonLocalityWeighted(), cla), Map.of("10.0.0.5", 83.3, "10.0.0.7", 16.7));
    }

    @Test
    void xdsLocalityWeightsPickTheSameEndpointsAsIstioDistributeInFileMode() throws Exception {
        // istiod writes a distribute rule as locality weights of the client's EDS and turns on locality-weighted
        // balancing; both sources reach the same model shares, so the same requests go to the same endpoints.
        Path files = Files.createDirectories(dir.resolve("files"));
        Files.writeString(files.resolve("reviews.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: reviews}
                spec:
                  hosts: [reviews.default.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 9080, name: http, protocol: HTTP}]
                  endpoints:
                  - {address: 10.0.0.1, locality: r/a}
                  - {address: 10.0.0.2, locality: r/a}
                  - {address: 10.0.0.3, locality: r/b}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews}
                spec:
                  host: reviews
                  trafficPolicy:
                    loadBalancer:
                      simple: ROUND_ROBIN
                      localityLbSetting:
                        distribute:
                        - from: r/a/*
                          to: {"r/a/*": 80, "r/b/*": 20}
                """);
        List<String> fileMode;
        try (Mesh mesh = Mesh.builder().configPaths(files).locality("r/a/z").watch(false).build()) {
            fileMode = endpointPerSeed(mesh);
        }
        ClusterLoadAssignment cla = ClusterLoadAssignment.newBuilder().setClusterName(CLUSTER)
                .addEndpoints(group("a", 80, 0, Set.of(), "10.0.0.1", "10.0.0.2"))
                .addEndpoints(group("b", 20, 0, Set.of(), "10.0.0.3")).build();
        List<String> xdsMode = endpointPerSeed(commonLocalityWeighted(), cla);
        assertThat(xdsMode).isEqualTo(fileMode);
        assertShares(picks(commonLocalityWeighted(), cla),
                Map.of("10.0.0.1", 40.0, "10.0.0.2", 40.0, "10.0.0.3", 20.0));
    }

    @Test
    void aLocalitysAvailabilityIsScaledByTheAssignmentsOverprovisioningFactor() throws Exception {
        ClusterLoadAssignment halfOfBDown = assignment(Set.of(), List.of("10.0.0.6"));
        // 200: b's one healthy endpoint of two is availability min(1, 2 × 1/2) = 1, its whole weight 3 against 1.
        assertShares(picks(commonLocalityWeighted(), overprovisioned(halfOfBDown, 200)),
                Map.of("10.0.0.1", 12.5, "10.0.0.2", 12.5, "10.0.0.3", 75.0));
        // 100, no over-provisioning: b keeps half its weight, 1.5 against 1; and priority 0, four of its five
        // endpoints healthy, keeps 80 % of the traffic, the rest spilling to priority 1 (drawn levels, within a
        // percent).
        assertShares(shares(endpointsDrawn(commonLocalityWeighted(), overprovisioned(halfOfBDown, 100), Set.of())),
                Map.of("10.0.0.1", 16.0, "10.0.0.2", 16.0, "10.0.0.3", 48.0, "10.0.0.5", 20.0), 1.0);
        // 140 set explicitly is Envoy's default: the same as unset.
        assertThat(endpointPerSeed(commonLocalityWeighted(), overprovisioned(halfOfBDown, 140)))
                .isEqualTo(endpointPerSeed(commonLocalityWeighted(), halfOfBDown));
    }

    @Test
    void trafficSpillsToTheNextPriorityByTheAssignmentsOverprovisioningFactor() throws Exception {
        // Priority 0 has four endpoints, two of which outlier detection ejects (50 % healthy); priority 1 has one.
        ClusterLoadAssignment cla = ClusterLoadAssignment.newBuilder().setClusterName(CLUSTER)
                .addEndpoints(group("a", 0, 0, Set.of(), "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"))
                .addEndpoints(group("d", 0, 1, Set.of(), "10.0.0.5"))
                .build();
        Cluster.Builder ejectOnOne5xx = roundRobin().setOutlierDetection(OutlierDetection.newBuilder()
                .setConsecutive5Xx(UInt32Value.of(1)).setInterval(com.google.protobuf.Duration.newBuilder()
                        .setSeconds(10)).setBaseEjectionTime(com.google.protobuf.Duration.newBuilder().setSeconds(30))
                .setMaxEjectionPercent(UInt32Value.of(100)));
        Set<String> ejected = Set.of("10.0.0.1", "10.0.0.2");
        // Drawn levels: within a percent of the split over 4000 draws (the generator is seeded, so always the same).
        // Envoy's default 140: priority 0's health is 1.4 × 50 % = 70 %, the rest spills to priority 1.
        assertShares(shares(endpointsDrawn(ejectOnOne5xx, cla, ejected)),
                Map.of("10.0.0.3", 35.0, "10.0.0.4", 35.0, "10.0.0.5", 30.0), 1.0);
        // 100: priority 0 takes only its healthy half.
        assertShares(shares(endpointsDrawn(ejectOnOne5xx, overprovisioned(cla, 100), ejected)),
                Map.of("10.0.0.3", 25.0, "10.0.0.4", 25.0, "10.0.0.5", 50.0), 1.0);
        // 200: half healthy counts as fully healthy, so nothing spills over.
        assertShares(shares(endpointsDrawn(ejectOnOne5xx, overprovisioned(cla, 200), ejected)),
                Map.of("10.0.0.3", 50.0, "10.0.0.4", 50.0));
    }

    @Test
    void endpointsTheAssignmentMarksUnhealthyCountAgainstTheirPrioritysHealthAsInEnvoy() throws Exception {
        // Priority 0: four endpoints, two UNHEALTHY in EDS (50 % healthy); priority 1: one. Envoy keeps the two in
        // the priority's host count, so they pull its health down though they take no traffic.
        ClusterLoadAssignment cla = ClusterLoadAssignment.newBuilder().setClusterName(CLUSTER)
                .addEndpoints(group("a", 0, 0, Set.of("10.0.0.1", "10.0.0.2"), "10.0.0.1", "10.0.0.2", "10.0.0.3",
                        "10.0.0.4"))
                .addEndpoints(group("d", 0, 1, Set.of(), "10.0.0.5"))
                .build();
        // 140: priority 0's health is 1.4 × 2/4 = 70 %, within a percent over the seeded draws.
        assertShares(shares(endpointsDrawn(roundRobin(), cla, Set.of())),
                Map.of("10.0.0.3", 35.0, "10.0.0.4", 35.0, "10.0.0.5", 30.0), 1.0);
        assertShares(shares(endpointsDrawn(roundRobin(), overprovisioned(cla, 100), Set.of())),
                Map.of("10.0.0.3", 25.0, "10.0.0.4", 25.0, "10.0.0.5", 50.0), 1.0);
        // One of the two healthy ones ejected as well: 1.4 × 1/4 = 35 %.
        Cluster.Builder ejectOnOne5xx = roundRobin().setOutlierDetection(OutlierDetection.newBuilder()
                .setConsecutive5Xx(UInt32Value.of(1)).setInterval(com.google.protobuf.Duration.newBuilder()
                        .setSeconds(10)).setMaxEjectionPercent(UInt32Value.of(100)));
        assertShares(shares(endpointsDrawn(ejectOnOne5xx, cla, Set.of("10.0.0.3"))),
                Map.of("10.0.0.4", 35.0, "10.0.0.5", 65.0), 1.0);
    }

    @Test
    void ejectedEndpointsLowerTheirLocalitysAvailabilityCountedWithItsUnhealthyOnesAsInEnvoy() throws Exception {
        // Zone a: weight 1, five endpoints, one UNHEALTHY in EDS (1.4 × 4/5 ≥ 1: its whole weight); zone b:
        // weight 1, four endpoints. Ejecting one of a's four leaves 3 of 5: Envoy's effective weight is
        // 1 × 1.4 × 3/5 = 0.84 against b's 1, so a takes 0.84 / 1.84 = 45.7 % (its remaining endpoints' own part
        // alone would give 3/4 → 42.9 %).
        ClusterLoadAssignment cla = ClusterLoadAssignment.newBuilder().setClusterName(CLUSTER)
                .addEndpoints(group("a", 1, 0, Set.of("10.0.0.1"), "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4",
                        "10.0.0.5"))
                .addEndpoints(group("b", 1, 0, Set.of(), "10.0.1.1", "10.0.1.2", "10.0.1.3", "10.0.1.4"))
                .build();
        Cluster.Builder ejectOnOne5xx = commonLocalityWeighted().setOutlierDetection(OutlierDetection.newBuilder()
                .setConsecutive5Xx(UInt32Value.of(1)).setInterval(com.google.protobuf.Duration.newBuilder()
                        .setSeconds(10)).setMaxEjectionPercent(UInt32Value.of(100)));
        List<String> picked = endpointsDrawn(ejectOnOne5xx, cla, Set.of("10.0.0.2"));
        assertThat(picked).doesNotContain("10.0.0.1", "10.0.0.2");
        double toA = 100.0 * picked.stream().filter(a -> a.startsWith("10.0.0.")).count() / picked.size();
        assertThat(toA).isCloseTo(100 * 0.84 / 1.84, within(1.2));
    }
}
