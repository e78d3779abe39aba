package io.proxyless.mesh.runtime.dump;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Severity;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.health.AttemptOutcome;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.routing.Cluster;
import io.proxyless.mesh.runtime.testing.FakeClock;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MeshDumpTest {
    /** Tests run from mesh-runtime/; the Bookinfo sample lives at the repository root. */
    private static final Path EXAMPLES = Path.of("..", "examples");
    private static final Path BASE = EXAMPLES.resolve("config/base");
    private static final Path REVIEWS_JASON_V2 = EXAMPLES.resolve("config/routing/reviews-jason-v2.yaml");
    private static final Path CIRCUIT_BREAKING = EXAMPLES.resolve("scenarios/circuit-breaking");
    private static final String REVIEWS = "reviews.default.svc.cluster.local";
    private static final String HTTPBIN_CLUSTER = "outbound|8000||httpbin.default.svc.cluster.local";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Mesh mesh(FakeClock clock, Path... config) {
        return Mesh.builder().configPaths(config).watch(false).clock(clock).build();
    }

    @Test
    void bookinfoDumpShowsServicesRouteTablesAndClustersAsCompiled() {
        try (Mesh mesh = mesh(new FakeClock(), BASE, REVIEWS_JASON_V2)) {
            MeshDump dump = mesh.dump();

            assertThat(dump.client().namespace()).isEqualTo("default");
            assertThat(dump.client().domainSuffix()).isEqualTo("cluster.local");
            assertThat(dump.outboundTrafficPolicy()).isEqualTo("ALLOW_ANY");

            MeshDump.Service reviews = dump.services().stream().filter(s -> s.host().equals(REVIEWS)).findFirst()
                    .orElseThrow();
            assertThat(reviews.resolution()).isEqualTo("STATIC");
            assertThat(reviews.location()).isEqualTo("MESH_INTERNAL");
            assertThat(reviews.exportTo()).containsExactly("*");
            assertThat(reviews.source()).isEqualTo("default/reviews");
            assertThat(reviews.ports()).containsExactly(new MeshDump.Port(9080, "http", "HTTP", null));
            assertThat(reviews.endpoints()).extracting(MeshDump.ServiceEndpoint::port)
                    .containsExactly(9183, 9184, 9185);
            assertThat(reviews.endpoints()).extracting(e -> e.labels().get("version"))
                    .containsExactly("v1", "v2", "v3");
            assertThat(reviews.endpoints()).allSatisfy(e -> {
                assertThat(e.servicePort()).isEqualTo(9080);
                assertThat(e.address()).isEqualTo("127.0.0.1");
                assertThat(e.weight()).isEqualTo(1);
            });

            MeshDump.RouteTable table = dump.routeTable(REVIEWS).orElseThrow();
            assertThat(table.virtualService()).isEqualTo("default/reviews");
            assertThat(table.ports()).containsExactly(9080);
            assertThat(table.routes()).extracting(MeshDump.Route::name)
                    .containsExactly("jason-sees-v2", "everyone-else-v1");
            MeshDump.Route jason = table.routes().get(0);
            assertThat(jason.index()).isZero();
            assertThat(jason.action()).isEqualTo("forward");
            assertThat(jason.match()).singleElement().asString().contains("end-user").contains("jason");
            assertThat(jason.destinations()).containsExactly(new MeshDump.Destination(REVIEWS, "v2", 9080, 100,
                    "outbound|9080|v2|" + REVIEWS, Map.of(), null));
            assertThat(jason.retries().attempts()).isEqualTo(2); // Istio's default retry policy
            assertThat(jason.fault()).isNull();
            assertThat(jason.mirrors()).isEmpty();
            assertThat(table.routes().get(1).match()).isEmpty();
            assertThat(table.routes().get(1).destinations()).extracting(MeshDump.Destination::cluster)
                    .containsExactly("outbound|9080|v1|" + REVIEWS);

            // Subset clusters hold only the endpoints the subset's labels select.
            MeshDump.Cluster v2 = dump.cluster("outbound|9080|v2|" + REVIEWS).orElseThrow();
            assertThat(v2.host()).isEqualTo(REVIEWS);
            assertThat(v2.subset()).isEqualTo("v2");
            assertThat(v2.port()).isEqualTo(9080);
            assertThat(v2.loadBalancer()).isEqualTo("LEAST_REQUEST");
            assertThat(v2.endpoints()).containsExactly(new MeshDump.ClusterEndpoint("127.0.0.1", 9184,
                    Map.of("app", "reviews", "version", "v2", "security.istio.io/tlsMode", "istio"), "", 1, false, 0,
                    "DISABLE")); // no workload certificates, so no auto mTLS
            assertThat(v2.outlierDetection().enabled()).isFalse();
            assertThat(v2.connectionPool().maxRequests()).isEqualTo(4294967295L);
            assertThat(dump.clusters()).extracting(MeshDump.Cluster::key).isSorted();

            // The Kubernetes Service in the sample defines productpage; the ServiceEntry of its host adds the endpoint.
            assertThat(dump.services()).filteredOn(s -> s.host().equals("productpage.default.svc.cluster.local"))
                    .singleElement().satisfies(s -> {
                        assertThat(s.location()).isEqualTo("MESH_INTERNAL");
                        assertThat(s.endpoints()).extracting(MeshDump.ServiceEndpoint::port).containsExactly(9180);
                    });
        }
    }

    @Test
    void mergedDestinationRulePolicyAndCircuitBreakerLimitsAreShown() {
        try (Mesh mesh = mesh(new FakeClock(), BASE, CIRCUIT_BREAKING)) {
            MeshDump.Cluster httpbin = mesh.dump().cluster(HTTPBIN_CLUSTER).orElseThrow();

            assertThat(httpbin.policy().outlierDetection().consecutive5xxErrors()).isEqualTo(1);
            assertThat(httpbin.policy().connectionPool().tcp().maxConnections()).isEqualTo(1);
            assertThat(httpbin.policy().loadBalancer()).isNull();
            assertThat(httpbin.connectionPool().maxConnections()).isEqualTo(1);
            assertThat(httpbin.connectionPool().maxPendingRequests()).isEqualTo(1);
            assertThat(httpbin.outlierDetection().enabled()).isTrue();
            assertThat(httpbin.outlierDetection().baseEjectionTime()).isEqualTo(Duration.ofMinutes(3));
            assertThat(httpbin.outlierDetection().endpointCount()).isEqualTo(2);
            assertThat(httpbin.outlierDetection().ejected()).isEmpty();
        }
    }

    @Test
    void anEndpointEjectedByOutlierDetectionIsShownEjectedUntilItsEjectionTimeHasPassed() {
        FakeClock clock = new FakeClock();
        try (Mesh mesh = mesh(clock, BASE, CIRCUIT_BREAKING)) {
            // What an adapter does for one attempt: pick from the cluster, start, finish with the outcome.
            Cluster cluster = mesh.snapshot().clusters().get(HTTPBIN_CLUSTER);
            Endpoint failing = cluster.pick(RouteRequest.builder("GET", "http://httpbin:8000/status/503").build(),
                    Set.of(), new java.util.Random(1));
            cluster.attemptStarted(failing);

            MeshDump during = mesh.dump();
            assertThat(endpoint(during, failing).inFlight()).isEqualTo(1);
            assertThat(endpoint(during, failing).ejected()).isFalse();

            cluster.attemptFinished(failing, AttemptOutcome.httpStatus(503)); // consecutive5xxErrors: 1
            clock.advance(Duration.ofSeconds(30));

            MeshDump ejected = mesh.dump();
            assertThat(endpoint(ejected, failing).ejected()).isTrue();
            assertThat(endpoint(ejected, failing).inFlight()).isZero();
            assertThat(ejected.cluster(HTTPBIN_CLUSTER).orElseThrow().endpoints())
                    .filteredOn(e -> e.port() != failing.port()).singleElement()
                    .satisfies(e -> assertThat(e.ejected()).isFalse());
            MeshDump.Outliers outliers = ejected.cluster(HTTPBIN_CLUSTER).orElseThrow().outlierDetection();
            assertThat(outliers.ejectedCount()).isEqualTo(1);
            assertThat(outliers.ejected()).singleElement().satisfies(e -> {
                assertThat(e.port()).isEqualTo(failing.port());
                assertThat(e.lastEjectionType()).isEqualTo("CONSECUTIVE_5XX");
                assertThat(e.timesEjected()).isEqualTo(1);
                assertThat(e.remaining()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(151));
            });

            // Base ejection time 3m, swept every 1s: back in load balancing after that.
            clock.advance(Duration.ofSeconds(152));
            MeshDump returned = mesh.dump();
            assertThat(endpoint(returned, failing).ejected()).isFalse();
            assertThat(returned.cluster(HTTPBIN_CLUSTER).orElseThrow().outlierDetection().ejectedCount()).isZero();
        }
    }

    private static MeshDump.ClusterEndpoint endpoint(MeshDump dump, Endpoint endpoint) {
        return dump.cluster(HTTPBIN_CLUSTER).orElseThrow().endpoints().stream()
                .filter(e -> e.address().equals(endpoint.address()) && e.port() == endpoint.port())
                .findFirst().orElseThrow();
    }

    @Test
    void compileWarningsAreProblemsNextToTheLoadersWarnings(@TempDir Path dir) throws Exception {
        Path canary = dir.resolve("reviews-canary.yaml");
        Files.writeString(canary, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: reviews-canary
                  namespace: default
                spec:
                  hosts:
                  - reviews
                  http:
                  - route:
                    - destination:
                        host: reviews
                        subset: v3
                """);
        try (Mesh mesh = mesh(new FakeClock(), BASE, REVIEWS_JASON_V2, canary)) {
            List<Problem> warnings = mesh.dump().warnings();

            assertThat(warnings).anySatisfy(p -> {
                assertThat(p.severity()).isEqualTo(Severity.WARNING);
                assertThat(p.message()).contains("default/reviews-canary").contains("already routed by")
                        .contains("default/reviews");
            });
            assertThat(warnings).noneMatch(Problem::blocksConfig);
            // Istio's analysis says the same, with its code.
            assertThat(warnings).anySatisfy(p -> assertThat(p.code()).isEqualTo("IST0109"));
            assertThat(mesh.dump().routeTable(REVIEWS).orElseThrow().virtualService()).isEqualTo("default/reviews");
        }
    }

    @Test
    void jsonHasTheRecordsShapeWithIstioNamesAndProtobufDurations() throws Exception {
        try (Mesh mesh = mesh(new FakeClock(), BASE, REVIEWS_JASON_V2, CIRCUIT_BREAKING)) {
            MeshDump dump = mesh.dump();
            JsonNode json = JSON.readTree(dump.toJson());

            assertThat(json).isEqualTo(dump.toJsonTree());
            assertThat(fieldNames(json)).containsExactly("client", "outboundTrafficPolicy", "services",
                    "routeTables", "clusters", "warnings");
            assertThat(json.get("services")).hasSize(dump.services().size());

            JsonNode table = json.get("routeTables").findParents("host").stream()
                    .filter(t -> t.get("host").asText().equals(REVIEWS) && t.has("virtualService")).findFirst()
                    .orElseThrow();
            assertThat(fieldNames(table)).containsExactly("host", "port", "ports", "virtualService", "routes",
                    "defaultClusters");
            JsonNode route = table.get("routes").get(0);
            assertThat(fieldNames(route)).containsExactly("index", "name", "match", "action", "destinations",
                    "timeout", "retries", "fault", "mirrors", "headers", "rewrite", "redirect", "directResponse");
            assertThat(route.get("timeout").isNull()).isTrue(); // unset values are written as null
            assertThat(route.get("destinations").get(0).get("cluster").asText())
                    .isEqualTo("outbound|9080|v2|" + REVIEWS);
            assertThat(table.get("defaultClusters").get("9080").asText()).isEqualTo("outbound|9080||" + REVIEWS);

            JsonNode httpbin = null;
            for (JsonNode c : json.get("clusters")) {
                if (c.get("key").asText().equals(HTTPBIN_CLUSTER)) {
                    httpbin = c;
                }
            }
            assertThat(httpbin).isNotNull();
            // Merged DestinationRule blocks in Istio's field names, unset fields left out.
            assertThat(httpbin.at("/policy/connectionPool/http/http1MaxPendingRequests").asInt()).isEqualTo(1);
            assertThat(httpbin.at("/policy/outlierDetection/baseEjectionTime").asText()).isEqualTo("180s");
            assertThat(httpbin.at("/policy/loadBalancer").isNull()).isTrue();
            assertThat(httpbin.at("/connectionPool/connectTimeout").asText()).isEqualTo("10s");
            assertThat(httpbin.at("/outlierDetection/baseEjectionTime").asText()).isEqualTo("180s");
            assertThat(fieldNames(httpbin.at("/endpoints/0"))).containsExactly("address", "port", "labels",
                    "locality", "weight", "ejected", "inFlight", "tlsMode");
            assertThat(fieldNames(httpbin.at("/endpoints/0/labels"))).containsExactly("app", "version");

            // A cluster without outlier detection says only that.
            JsonNode reviewsV1 = null;
            for (JsonNode c : json.get("clusters")) {
                if (c.get("key").asText().equals("outbound|9080|v1|" + REVIEWS)) {
                    reviewsV1 = c;
                }
            }
            assertThat(reviewsV1.get("outlierDetection")).isEqualTo(JSON.readTree("{\"enabled\":false}"));

            JsonNode info = json.get("warnings").get(0);
            assertThat(fieldNames(info)).contains("severity", "file", "line", "kind", "message", "text");
            assertThat(info.get("text").asText()).isEqualTo(dump.warnings().get(0).format());
        }
    }

    @Test
    void anApplicationCanServeTheDumpOverHttp() throws Exception {
        try (Mesh mesh = mesh(new FakeClock(), BASE, REVIEWS_JASON_V2)) {
            // The example of MeshDump's class comment, on an ephemeral port.
            HttpServer admin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            admin.createContext("/mesh/dump", exchange -> {
                byte[] body = mesh.dump().toJson().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            admin.start();
            try {
                HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + admin.getAddress().getPort() + "/mesh/dump")).build(),
                        HttpResponse.BodyHandlers.ofString());

                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
                assertThat(JSON.readTree(response.body())).isEqualTo(mesh.dump().toJsonTree());
            } finally {
                admin.stop(0);
            }
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
