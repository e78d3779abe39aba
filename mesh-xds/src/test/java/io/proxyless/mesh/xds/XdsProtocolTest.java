package io.proxyless.mesh.xds;

import static io.proxyless.mesh.xds.XdsFixtures.action;
import static io.proxyless.mesh.xds.XdsFixtures.cluster;
import static io.proxyless.mesh.xds.XdsFixtures.defaultRetries;
import static io.proxyless.mesh.xds.XdsFixtures.prefix;
import static io.proxyless.mesh.xds.XdsFixtures.route;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.testing.FakeClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ADS protocol against a real control plane: updates, NACKs, outages, delta, does-not-exist, dumps. Timers
 * (reconnect backoff, does-not-exist) run on a {@link FakeClock}; other waits are for a condition with a generous
 * timeout, never a window.
 */
class XdsProtocolTest {
    private static final Duration GENEROUS = Duration.ofSeconds(10);
    private static final RouteRequest REVIEWS = RouteRequest.builder("GET", "http://reviews:9080/").build();

    @TempDir
    Path dir;

    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void aConfigUpdateOnTheServerChangesRouting(boolean delta) throws Exception {
        try (XdsTestServer server = new XdsTestServer()) {
            server.set(reviewsTo("v1", false));
            try (XdsConfigSource source = start(server, false, delta);
                 Mesh mesh = Mesh.builder().configSource(source).build()) {
                assertThat(mesh.route(REVIEWS).destinationSubset()).isEqualTo("v1");

                server.set(reviewsTo("v2", false));
                awaitTrue(GENEROUS, () -> "v2".equals(mesh.route(REVIEWS).destinationSubset()));
                // No request failed on the way: every decision forwards, to v1 or v2.
                for (int i = 0; i < 100; i++) {
                    assertThat(mesh.route(REVIEWS).isForward()).isTrue();
                }
            }
        }
    }

    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void anInvalidRegexIsNackedWithErrorDetailAndTheOldConfigStaysInUse(boolean delta) throws Exception {
        try (XdsTestServer server = new XdsTestServer()) {
            server.set(reviewsTo("v1", false));
            try (XdsConfigSource source = start(server, false, delta);
                 Mesh mesh = Mesh.builder().configSource(source).build()) {
                Route bad = route("reviews", "bad").setMatch(RouteMatch.newBuilder().setPrefix("/")
                                .addHeaders(HeaderMatcher.newBuilder().setName("end-user").setStringMatch(
                                        StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder()
                                                .setRegex("jason(")))))
                        .setRoute(action(false, null).setCluster(cluster("reviews", "v2"))).build();
                server.set(XdsFixtures.bookinfo(false, Map.of("reviews", List.of(bad))));

                awaitTrue(GENEROUS, () -> nackDetails(server, delta).stream()
                        .anyMatch(d -> d.contains("invalid regex") && d.contains("jason(")));
                // No waiting here: the client updates its state before it answers, so the dump already agrees.
                assertThat(mesh.route(REVIEWS).destinationSubset()).as("last good config").isEqualTo("v1");
                JsonNode rds = resource(source.configDump(), "RDS", "9080");
                assertThat(rds.get("status").asText()).isEqualTo("NACKED");
                assertThat(rds.get("error").asText()).contains("virtual_hosts[0].routes[0].match.headers[0]")
                        .contains("invalid regex");
                assertThat(source.lastProblems()).anyMatch(p -> p.isError() && p.message().contains("NACK"));

                server.set(reviewsTo("v3", false));
                awaitTrue(GENEROUS, () -> "v3".equals(mesh.route(REVIEWS).destinationSubset()));
                assertThat(resource(source.configDump(), "RDS", "9080").get("status").asText()).isEqualTo("ACKED");
            }
        }
    }

    @Test
    void aStateOfTheWorldResponseTakesItsResourcesInTheSameBytesAsTheyWereWithTheirNewVersion() throws Exception {
        try (XdsTestServer server = new XdsTestServer()) {
            server.set(reviewsTo("v1", false));
            try (XdsConfigSource source = start(server, false, false);
                 Mesh mesh = Mesh.builder().configSource(source).build()) {
                Map<String, Object> clusters = values(source, XdsResourceType.CLUSTER);
                Map<String, Object> routes = values(source, XdsResourceType.ROUTE);
                String cdsVersion = resource(source.configDump(), "CDS", cluster("ratings", "")).get("version")
                        .asText();

                // A new version of everything, in which only the reviews route changed: every cluster comes again.
                server.set(reviewsTo("v2", false));
                awaitTrue(GENEROUS, () -> "v2".equals(mesh.route(REVIEWS).destinationSubset()));
                awaitTrue(GENEROUS, () -> {
                    try {
                        return !resource(source.configDump(), "CDS", cluster("ratings", "")).get("version").asText()
                                .equals(cdsVersion);
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });

                assertThat(values(source, XdsResourceType.CLUSTER)).as("the very values, not parsed again")
                        .containsOnlyKeys(clusters.keySet())
                        .allSatisfy((name, value) -> assertThat(value).isSameAs(clusters.get(name)));
                assertThat(values(source, XdsResourceType.ROUTE).get("9080")).isNotSameAs(routes.get("9080"));
                assertThat(resource(source.configDump(), "CDS", cluster("ratings", "")).get("status").asText())
                        .isEqualTo("ACKED");
                assertThat(mesh.route(RouteRequest.builder("GET", "http://ratings:9080/").build()).isForward())
                        .isTrue();
            }
        }
    }

    /** The values of {@code type} the source holds, by name. */
    private static Map<String, Object> values(XdsConfigSource source, XdsResourceType type) {
        Map<String, Object> out = new java.util.TreeMap<>();
        for (AdsClient.ResourceInfo r : source.resources()) {
            if (r.type() == type && r.value() != null) {
                out.put(r.name(), r.value());
            }
        }
        return out;
    }

    @Test
    void aRouteWhoseClusterWeightsSumToZeroIsNackedAndTheOldConfigStaysInUse() throws Exception {
        try (XdsTestServer server = new XdsTestServer()) {
            server.set(reviewsTo("v1", false));
            try (XdsConfigSource source = start(server, false, false);
                 Mesh mesh = Mesh.builder().configSource(source).build()) {
                Route zero = route("reviews", "zero").setMatch(prefix("/"))
                        .setRoute(action(false, null).setWeightedClusters(XdsFixtures.weighted(
                                cluster("reviews", "v1"), 0, cluster("reviews", "v2"), 0))).build();
                server.set(XdsFixtures.bookinfo(false, Map.of("reviews", List.of(zero))));

                awaitTrue(GENEROUS, () -> nackDetails(server, false).stream()
                        .anyMatch(d -> d.contains("sum of the cluster weights is 0")));
                assertThat(resource(source.configDump(), "RDS", "9080").get("status").asText()).isEqualTo("NACKED");
                RouteDecision d = mesh.route(REVIEWS);
                assertThat(d.isForward()).as("every call still routed, by the last good config").isTrue();
                assertThat(d.destinationSubset()).isEqualTo("v1");
            }
        }
    }

    @Test
    void routingKeepsWorkingWhileTheControlPlaneIsDownAndReconnectsWithBackoffAfterItsRestart() throws Exception {
        FakeClock clock = new FakeClock();
        try (XdsTestServer server = new XdsTestServer()) {
            server.set(reviewsTo("v1", false));
            // Jitter 0.5 is the middle of ±20 %: the delays are exactly 1 s, 1.6 s, 2.56 s (grpc-java's).
            XdsConfigSource source = XdsConfigSource.builder(server.bootstrap(false, false)).clock(clock)
                    .jitter(() -> 0.5).start();
            try (source; Mesh mesh = Mesh.builder().configSource(source).build()) {
                assertThat(source.awaitInitialConfig(GENEROUS)).isTrue();
                int streamsBefore = server.streams.get();

                server.stop();
                awaitTrue(GENEROUS, () -> !source.connected());
                long failedAt = clock.nanoTime();
                awaitTrue(GENEROUS, () -> clock.pendingDueTimes().equals(List.of(failedAt + 1_000_000_000L)));
                for (int i = 0; i < 100; i++) {
                    RouteDecision d = mesh.route(REVIEWS);
                    assertThat(d.isForward()).as(d.reason()).isTrue();
                    assertThat(d.destinationSubset()).as("last good config").isEqualTo("v1");
                }

                // Each try fails while the server is down, and the next waits 1.6 times longer.
                clock.advance(Duration.ofSeconds(1));
                long second = clock.nanoTime() + 1_600_000_000L;
                awaitTrue(GENEROUS, () -> clock.pendingDueTimes().equals(List.of(second)));
                clock.advance(Duration.ofMillis(1600));
                long third = clock.nanoTime() + 2_560_000_000L;
                awaitTrue(GENEROUS, () -> clock.pendingDueTimes().equals(List.of(third)));
                assertThat(mesh.route(REVIEWS).destinationSubset()).isEqualTo("v1");

                server.set(reviewsTo("v2", false));
                server.start();
                assertThat(source.connected()).as("no try before the backoff ends").isFalse();
                clock.advance(Duration.ofMillis(2560));
                // The channel may still be failing fast when the first try comes; later tries follow the backoff.
                awaitTrue(GENEROUS, () -> {
                    if ("v2".equals(mesh.route(REVIEWS).destinationSubset())) {
                        return true;
                    }
                    List<Long> due = clock.pendingDueTimes();
                    if (!due.isEmpty()) {
                        clock.advance(due.get(0) - clock.nanoTime(), TimeUnit.NANOSECONDS);
                    }
                    return false;
                });
                assertThat(server.streams.get()).as("re-subscribed on a new stream").isGreaterThan(streamsBefore);
                assertThat(source.connected()).isTrue();
            }
        }
    }

    @Test
    void deltaSendsOnlyTheAddedOrRemovedClusterAmongAThousand() throws Exception {
        try (XdsTestServer server = new XdsTestServer()) {
            server.set(manyServices(1000));
            try (XdsConfigSource source = start(server, false, true);
                 Mesh mesh = Mesh.builder().configSource(source).build()) {
                assertThat(clusters(mesh)).isEqualTo(1000);
                RouteRequest svc1000 = RouteRequest.builder("GET", "http://svc1000.default.svc.cluster.local:80/")
                        .build();
                int mark = server.deltaResponses.size();

                server.set(manyServices(1001));
                // Its cluster and its virtual host arrive in separate responses (CDS and RDS).
                awaitTrue(GENEROUS, () -> clusters(mesh) == 1001 && mesh.route(svc1000).endpoint() != null
                        && mesh.route(svc1000).endpoint().address().equals("10.1.4.0"));
                List<DeltaDiscoveryResponse> cds = cdsResponsesSince(server, mark);
                assertThat(cds).hasSize(1);
                assertThat(cds.get(0).getResourcesList()).extracting(r -> r.getName())
                        .containsExactly("outbound|80||svc1000.default.svc.cluster.local");
                assertThat(cds.get(0).getRemovedResourcesList()).isEmpty();

                mark = server.deltaResponses.size();
                server.set(manyServices(1000));
                awaitTrue(GENEROUS, () -> clusters(mesh) == 1000);
                cds = cdsResponsesSince(server, mark);
                assertThat(cds).hasSize(1);
                assertThat(cds.get(0).getResourcesList()).isEmpty();
                assertThat(cds.get(0).getRemovedResourcesList())
                        .containsExactly("outbound|80||svc1000.default.svc.cluster.local");
            }
        }
    }

    @Test
    void aMissingRouteConfigurationBecomesDoesNotExistAfterTheFifteenSecondTimer() throws Exception {
        FakeClock clock = new FakeClock();
        try (XdsTestServer server = new XdsTestServer()) {
            XdsFixtures.Resources r = XdsFixtures.bookinfo(true, Map.of());
            List<io.envoyproxy.envoy.config.listener.v3.Listener> listeners = new ArrayList<>(r.listeners());
            listeners.add(XdsFixtures.apiListener("gone.default.svc.cluster.local:9080", "outbound|9080||gone"));
            server.set(r.clusters(), r.endpoints(), listeners, r.routes());
            // Delta: java-control-plane's state-of-the-world cache answers a request naming a missing resource
            // with nothing at all; istiod (and its delta cache) answer with what exists.
            XdsConfigSource source = XdsConfigSource.builder(server.bootstrap(true, true)).clock(clock).start();
            try (source) {
                // Every other resource answered, of every type: between one type's answer and the subscription it
                // leads to (CDS after RDS, EDS after CDS) the gone route's timer is briefly the only one, and the
                // next type's timers, started after this look, would be due at the same advance.
                awaitTrue(GENEROUS, () -> "ACKED".equals(status(source, "LDS", "gone.default.svc.cluster.local:9080"))
                        && "REQUESTED".equals(status(source, "RDS", "outbound|9080||gone"))
                        && allAnsweredButTheGoneRoute(source) && clock.pendingTimers() == 1);
                // Everything else has arrived; the config waits for the timer of the missing one.
                assertThat(clock.pendingDueTimes()).containsExactly(Duration.ofSeconds(15).toNanos());
                assertThat(source.awaitInitialConfig(Duration.ZERO)).isFalse();

                clock.advance(Duration.ofSeconds(15));

                assertThat(source.awaitInitialConfig(GENEROUS)).isTrue();
                JsonNode gone = resource(source.configDump(), "RDS", "outbound|9080||gone");
                assertThat(gone.get("status").asText()).isEqualTo("DOES_NOT_EXIST");
                assertThat(gone.get("lastUpdated").asText()).as("the clock's time").isEqualTo("2026-01-01T00:00:15Z");
                try (Mesh mesh = Mesh.builder().configSource(source).build()) {
                    assertThat(mesh.route(REVIEWS).destinationHost()).isEqualTo("reviews.default.svc.cluster.local");
                }
            }
        }
    }

    @Test
    void configDumpListsEveryResourceWithVersionStatusAndTheResourceItself() throws Exception {
        try (XdsTestServer server = new XdsTestServer()) {
            server.set(reviewsTo("v1", true));
            Path bootstrap = Files.writeString(dir.resolve("bootstrap.json"), server.bootstrapJson(true, false));
            try (Mesh mesh = Mesh.builder().xdsBootstrap(bootstrap).build()) {
                JsonNode dump = new ObjectMapper().readTree(mesh.configDump());
                assertThat(dump.get("source").asText()).isEqualTo("xds");
                assertThat(dump.get("shape").asText()).isEqualTo("proxyless");
                assertThat(dump.get("protocol").asText()).isEqualTo("SOTW");
                assertThat(dump.get("connected").asBoolean()).isTrue();
                List<String> entries = new ArrayList<>();
                dump.get("resources").forEach(r -> entries.add(r.get("type").asText() + " " + r.get("status").asText()));
                assertThat(entries).contains("LDS ACKED", "RDS ACKED", "CDS ACKED", "EDS ACKED")
                        .allMatch(e -> e.endsWith("ACKED"));
                JsonNode listener = resource(mesh.configDump(), "LDS", "reviews.default.svc.cluster.local:9080");
                assertThat(listener.get("version").asText()).isEqualTo("1");
                assertThat(listener.get("resource").get("apiListener")).isNotNull();
            }
        }
    }

    @Test
    void buildWaitsForTheFirstCompleteConfigSoTheFirstRequestIsRouted() throws Exception {
        try (XdsTestServer server = new XdsTestServer()) {
            server.set(reviewsTo("v2", true));
            Path bootstrap = Files.writeString(dir.resolve("bootstrap.json"), server.bootstrapJson(true, true));
            try (Mesh mesh = Mesh.builder().xdsBootstrap(bootstrap).build()) {
                RouteDecision d = mesh.route(REVIEWS);
                assertThat(d.destinationSubset()).isEqualTo("v2");
                assertThat(d.endpoint().authority()).isEqualTo("10.0.0.2:9080");
                assertThat(mesh.namespace()).as("from the node metadata").isEqualTo("default");
            }
        }
    }

    @Test
    void withoutAControlPlaneTheFirstConfigNeverComesAndTheErrorNamesTheServer() {
        XdsTestServer server = new XdsTestServer();
        server.stop();
        XdsConfigSource.Builder builder = XdsConfigSource.builder(server.bootstrap(false, false))
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200));
        assertThatThrownBy(() -> XdsConfigSource.connect(builder, Duration.ofMillis(700)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no complete config from xDS server " + server.target())
                .hasMessageContaining("UNAVAILABLE");
    }

    // ---- helpers ----

    private static XdsConfigSource start(XdsTestServer server, boolean proxyless, boolean delta) throws Exception {
        XdsConfigSource source = XdsConfigSource.builder(server.bootstrap(proxyless, delta))
                .reconnectBackoff(Duration.ofMillis(100), Duration.ofMillis(500)).start();
        assertThat(source.awaitInitialConfig(GENEROUS)).as("initial config").isTrue();
        return source;
    }

    private static XdsFixtures.Resources reviewsTo(String subset, boolean proxyless) {
        return XdsFixtures.bookinfo(proxyless, Map.of("reviews", List.of(route("reviews", "").setMatch(prefix("/"))
                .setRoute(action(proxyless, null).setCluster(cluster("reviews", subset))
                        .setRetryPolicy(defaultRetries())).build())));
    }

    /** {@code n} services svcN on port 80, each with one endpoint, in the sidecar shape. */
    private static XdsFixtures.Resources manyServices(int n) {
        List<Cluster> clusters = new ArrayList<>();
        List<ClusterLoadAssignment> endpoints = new ArrayList<>();
        RouteConfiguration.Builder routes = RouteConfiguration.newBuilder().setName("80");
        for (int i = 0; i < n; i++) {
            String host = "svc" + i + ".default.svc.cluster.local";
            String name = "outbound|80||" + host;
            clusters.add(XdsFixtures.edsCluster(name, false));
            endpoints.add(XdsFixtures.assignment(name, List.of("10.1." + (i / 250) + "." + (i % 250)), 8080));
            routes.addVirtualHosts(io.envoyproxy.envoy.config.route.v3.VirtualHost.newBuilder().setName(host + ":80")
                    .addDomains(host).addRoutes(XdsFixtures.defaultRoute(name, false)));
        }
        return new XdsFixtures.Resources(clusters, endpoints, List.of(), List.of(routes.build()));
    }

    /** The clusters of the route model in force. */
    private static int clusters(Mesh mesh) {
        return mesh.snapshot().model().clusters().size();
    }

    private static List<DeltaDiscoveryResponse> cdsResponsesSince(XdsTestServer server, int mark) {
        return server.deltaResponses.subList(mark, server.deltaResponses.size()).stream()
                .filter(r -> r.getTypeUrl().equals(XdsResourceType.CLUSTER.typeUrl())).toList();
    }

    private static List<String> nackDetails(XdsTestServer server, boolean delta) {
        List<String> out = new ArrayList<>();
        if (delta) {
            server.deltaRequests.stream().filter(r -> r.hasErrorDetail())
                    .forEach(r -> out.add(r.getErrorDetail().getMessage()));
        } else {
            server.requests.stream().filter(DiscoveryRequest::hasErrorDetail)
                    .forEach(r -> out.add(r.getErrorDetail().getMessage()));
        }
        return out;
    }

    /** The status of a resource in the source's dump; null when it is not there (yet). */
    /** Every resource but the gone route ACKED, with LDS, RDS, CDS and EDS each holding one at least. */
    private static boolean allAnsweredButTheGoneRoute(XdsConfigSource source) {
        Set<XdsResourceType> answered = EnumSet.noneOf(XdsResourceType.class);
        for (AdsClient.ResourceInfo r : source.resources()) {
            boolean gone = r.type() == XdsResourceType.ROUTE && r.name().equals("outbound|9080||gone");
            if (!gone && r.status() != AdsClient.ResourceStatus.ACKED) {
                return false;
            }
            if (!gone) {
                answered.add(r.type());
            }
        }
        return answered.equals(EnumSet.allOf(XdsResourceType.class));
    }

    private static String status(XdsConfigSource source, String type, String name) {
        try {
            for (JsonNode r : new ObjectMapper().readTree(source.configDump()).get("resources")) {
                if (r.get("type").asText().equals(type) && r.get("name").asText().equals(name)) {
                    return r.get("status").asText();
                }
            }
            return null;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static JsonNode resource(String dump, String type, String name) throws Exception {
        for (JsonNode r : new ObjectMapper().readTree(dump).get("resources")) {
            if (r.get("type").asText().equals(type) && r.get("name").asText().equals(name)) {
                return r;
            }
        }
        throw new AssertionError("no " + type + " " + name + " in " + dump);
    }

    static void awaitTrue(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + timeout);
            }
            Thread.sleep(5);
        }
    }
}
