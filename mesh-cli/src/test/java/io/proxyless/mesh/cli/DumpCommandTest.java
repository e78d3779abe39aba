package io.proxyless.mesh.cli;

import static io.proxyless.mesh.cli.CliRun.mesh;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.proxyless.mesh.xds.BookinfoXdsServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mesh dump}: the compiled snapshot as valid JSON, over the sample configs. */
class DumpCommandTest {
    private static final Path EXAMPLES = Path.of("..", "examples");
    private static final String CONFIG = EXAMPLES.resolve("config").toString();
    private static final String BASE = EXAMPLES.resolve("config/base").toString();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode dump(String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of("dump"));
        all.addAll(List.of(args));
        CliRun run = mesh(all.toArray(String[]::new));
        assertThat(run.status()).as(run.toString()).isZero();
        assertThat(run.err()).as(run.toString()).isEmpty();
        return JSON.readTree(run.out());
    }

    private static JsonNode find(JsonNode array, String field, String value) {
        for (JsonNode n : array) {
            if (value.equals(n.get(field).asText())) {
                return n;
            }
        }
        throw new AssertionError("no element with " + field + " = " + value + " in " + array);
    }

    @Test
    void dumpOfTheSampleConfigIsValidJsonWithEveryServiceAndItsEndpoints() throws IOException {
        JsonNode json = dump("--config", CONFIG);

        assertThat(json.get("source").get("type").asText()).isEqualTo("file");
        assertThat(json.get("client").get("namespace").asText()).isEqualTo("default");
        assertThat(json.get("outboundTrafficPolicy").asText()).isEqualTo("ALLOW_ANY");
        assertThat(json.get("services")).extracting(s -> s.get("host").asText()).containsExactlyInAnyOrder(
                "productpage.default.svc.cluster.local", "details.default.svc.cluster.local",
                "ratings.default.svc.cluster.local", "reviews.default.svc.cluster.local",
                "httpbin.default.svc.cluster.local", "httpbin.org", "edition.cnn.com");
        JsonNode reviews = find(json.get("services"), "host", "reviews.default.svc.cluster.local");
        assertThat(reviews.get("resolution").asText()).isEqualTo("STATIC");
        assertThat(reviews.get("location").asText()).isEqualTo("MESH_INTERNAL");
        assertThat(reviews.get("ports").get(0).get("number").asInt()).isEqualTo(9080);
        assertThat(reviews.get("endpoints")).extracting(e -> e.get("port").asInt()).containsExactly(9183, 9184, 9185);
        JsonNode v2 = reviews.get("endpoints").get(1);
        assertThat(v2.get("servicePort").asInt()).isEqualTo(9080);
        assertThat(v2.get("address").asText()).isEqualTo("127.0.0.1");
        assertThat(v2.get("labels").get("version").asText()).isEqualTo("v2");
        assertThat(v2.get("weight").asInt()).isEqualTo(1);
        // The sample's Kubernetes Service is read (it defines productpage), so nothing is skipped or doubtful.
        assertThat(json.get("warnings")).isEmpty();
    }

    @Test
    void routeTableOfReviewsShowsJasonsRouteBeforeTheCatchAll() throws IOException {
        JsonNode json = dump("--config", CONFIG);

        JsonNode table = find(json.get("routeTables"), "host", "reviews.default.svc.cluster.local");
        assertThat(table.get("virtualService").asText()).isEqualTo("default/reviews");
        assertThat(table.get("ports")).extracting(JsonNode::asInt).containsExactly(9080);
        JsonNode jason = table.get("routes").get(0);
        assertThat(jason.get("index").asInt()).isZero();
        assertThat(jason.get("name").asText()).isEqualTo("jason-sees-v2");
        assertThat(jason.get("match")).extracting(JsonNode::asText)
                .containsExactly("headers.end-user exact \"jason\"");
        assertThat(jason.get("action").asText()).isEqualTo("forward");
        JsonNode destination = jason.get("destinations").get(0);
        assertThat(destination.get("subset").asText()).isEqualTo("v2");
        assertThat(destination.get("weight").asInt()).isEqualTo(100);
        assertThat(destination.get("cluster").asText()).isEqualTo("outbound|9080|v2|reviews.default.svc.cluster.local");
        assertThat(jason.get("timeout").isNull()).isTrue();
        assertThat(jason.get("retries").get("attempts").asInt()).isEqualTo(2);
        JsonNode others = table.get("routes").get(1);
        assertThat(others.get("match")).isEmpty();
        assertThat(others.get("destinations").get(0).get("subset").asText()).isEqualTo("v1");

        JsonNode httpbin = find(json.get("routeTables"), "host", "httpbin.default.svc.cluster.local");
        assertThat(httpbin.get("virtualService").isNull()).isTrue();
        assertThat(httpbin.get("routes")).isEmpty();
        assertThat(httpbin.get("defaultClusters").get("8000").asText())
                .isEqualTo("outbound|8000||httpbin.default.svc.cluster.local");
    }

    @Test
    void clustersCarryTheirSubsetEndpointsAndDefaultPolicies() throws IOException {
        JsonNode json = dump("--config", CONFIG);

        JsonNode v2 = find(json.get("clusters"), "key", "outbound|9080|v2|reviews.default.svc.cluster.local");
        assertThat(v2.get("host").asText()).isEqualTo("reviews.default.svc.cluster.local");
        assertThat(v2.get("subset").asText()).isEqualTo("v2");
        assertThat(v2.get("port").asInt()).isEqualTo(9080);
        assertThat(v2.get("loadBalancer").asText()).isEqualTo("LEAST_REQUEST");
        assertThat(v2.get("endpoints")).singleElement().satisfies(e -> assertThat(e.get("port").asInt()).isEqualTo(9184));
        assertThat(v2.get("policy").get("connectionPool").isNull()).isTrue();
        assertThat(v2.get("outlierDetection").get("enabled").asBoolean()).isFalse();
        assertThat(v2.get("connectionPool").get("maxConnections").asLong()).isEqualTo(4_294_967_295L);
        assertThat(v2.get("connectionPool").get("connectTimeout").asText()).isEqualTo("10s");
        assertThat(find(json.get("clusters"), "key", "PassthroughCluster").get("passthrough").asBoolean()).isTrue();
    }

    @Test
    void circuitBreakingPolicyAppearsMergedOnTheHttpbinCluster() throws IOException {
        JsonNode json = dump("--config", BASE, "--config",
                EXAMPLES.resolve("scenarios/circuit-breaking").toString());

        JsonNode httpbin = find(json.get("clusters"), "key", "outbound|8000||httpbin.default.svc.cluster.local");
        JsonNode policy = httpbin.get("policy");
        assertThat(policy.get("connectionPool").get("tcp").get("maxConnections").asInt()).isEqualTo(1);
        assertThat(policy.get("connectionPool").get("http").get("http1MaxPendingRequests").asInt()).isEqualTo(1);
        assertThat(policy.get("outlierDetection").get("consecutive5xxErrors").asInt()).isEqualTo(1);
        JsonNode pool = httpbin.get("connectionPool");
        assertThat(pool.get("maxConnections").asLong()).isEqualTo(1);
        assertThat(pool.get("maxPendingRequests").asLong()).isEqualTo(1);
        assertThat(pool.get("maxRequestsPerConnection").asInt()).isEqualTo(1);
        JsonNode outlier = httpbin.get("outlierDetection");
        assertThat(outlier.get("enabled").asBoolean()).isTrue();
        assertThat(outlier.get("consecutive5xxErrors").asInt()).isEqualTo(1);
        assertThat(outlier.get("interval").asText()).isEqualTo("1s");
        assertThat(outlier.get("baseEjectionTime").asText()).isEqualTo("180s");
        assertThat(outlier.get("maxEjectionPercent").asInt()).isEqualTo(100);
        assertThat(outlier.get("endpointCount").asInt()).isEqualTo(2);
        assertThat(outlier.get("ejected")).isEmpty();
    }

    @Test
    void scenarioRoutesShowWeightsTimeoutsFaultsAndMirrors() throws IOException {
        JsonNode shifted = dump("--config", BASE, "--config",
                EXAMPLES.resolve("scenarios/traffic-shifting/80-20").toString());
        JsonNode reviews = find(shifted.get("routeTables"), "host", "reviews.default.svc.cluster.local");
        assertThat(reviews.get("routes").get(0).get("destinations")).extracting(d -> d.get("subset").asText() + "="
                + d.get("weight").asInt()).containsExactly("v1=80", "v3=20");

        JsonNode timeouts = dump("--config", BASE, "--config", EXAMPLES.resolve("scenarios/request-timeouts").toString());
        assertThat(find(timeouts.get("routeTables"), "host", "reviews.default.svc.cluster.local")
                .get("routes").get(0).get("timeout").asText()).isEqualTo("0.500s");
        assertThat(find(timeouts.get("routeTables"), "host", "ratings.default.svc.cluster.local")
                .get("routes").get(0).get("fault").get("delay").get("fixedDelay").asText()).isEqualTo("2s");

        JsonNode mirroring = dump("--config", BASE, "--config", EXAMPLES.resolve("scenarios/mirroring").toString());
        JsonNode mirror = find(mirroring.get("routeTables"), "host", "httpbin.default.svc.cluster.local")
                .get("routes").get(0).get("mirrors").get(0);
        assertThat(mirror.get("subset").asText()).isEqualTo("v2");
        assertThat(mirror.get("percentage").asDouble()).isEqualTo(100.0);
    }

    @Test
    void compileWarningsAreListed(@TempDir Path dir) throws IOException {
        Path vs = Files.writeString(dir.resolve("vs.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route: [{destination: {host: reviews, subset: v1}}]
                  - match: [{uri: {prefix: /never}}]
                    route: [{destination: {host: reviews, subset: v2}}]
                """);

        JsonNode json = dump("--config", BASE, "--config", vs.toString());

        // The loader warns at the file's line as Istio's validation does; compiling does not repeat it (no file).
        assertThat(json.get("warnings")).filteredOn(w -> w.has("file") && w.get("severity").asText().equals("WARNING"))
                .extracting(w -> w.get("line").asInt()).containsExactly(8);
        // It is Istio's analysis finding, with its parts and code.
        assertThat(json.get("warnings")).filteredOn(w -> w.has("file")).singleElement().satisfies(w -> {
            assertThat(w.get("code").asText()).isEqualTo("IST0130");
            assertThat(w.get("kind").asText()).isEqualTo("VirtualService");
            assertThat(w.get("path").asText()).isEqualTo("spec.http[1]");
            assertThat(w.get("text").asText()).startsWith("warning: ").contains("[IST0130]");
        });
        assertThat(json.get("warnings")).filteredOn(w -> !w.has("file")).isEmpty();
        JsonNode never = find(json.get("routeTables"), "host", "reviews.default.svc.cluster.local").get("routes").get(1);
        assertThat(never.get("match")).extracting(JsonNode::asText).containsExactly("uri prefix \"/never\"");
    }

    @Test
    void aHostWithSeveralPortsShowsEveryPortWithItsRoutesAndDefaultClusters(@TempDir Path dir) throws IOException {
        Path config = Files.writeString(dir.resolve("admin.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: shop}
                spec:
                  hosts: [shop.default.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports:
                  - {number: 8080, name: http, protocol: HTTP}
                  - {number: 9090, name: http-admin, protocol: HTTP}
                  endpoints: [{address: 127.0.0.1, ports: {http: 18080, http-admin: 19090}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: shop}
                spec:
                  hosts: [shop]
                  http:
                  - match: [{port: 9090}]
                    name: admin
                    route: [{destination: {host: shop, port: {number: 9090}}}]
                  - name: web
                    route: [{destination: {host: shop, port: {number: 8080}}}]
                """);

        JsonNode json = dump("--config", config.toString());

        List<JsonNode> tables = new ArrayList<>();
        json.get("routeTables").forEach(t -> {
            if (t.get("host").asText().equals("shop.default.svc.cluster.local")) {
                tables.add(t);
            }
        });
        assertThat(tables).extracting(t -> t.get("port").asInt()).containsExactly(8080, 9090);
        assertThat(tables).allSatisfy(t -> {
            assertThat(t.get("ports")).extracting(JsonNode::asInt).containsExactly(8080, 9090);
            assertThat(t.get("virtualService").asText()).isEqualTo("default/shop");
        });
        assertThat(tables.get(0).get("routes")).extracting(r -> r.get("name").asText()).containsExactly("web");
        assertThat(tables.get(1).get("routes")).extracting(r -> r.get("name").asText()).containsExactly("admin", "web");
        assertThat(tables.get(1).get("routes").get(0).get("destinations").get(0).get("cluster").asText())
                .isEqualTo("outbound|9090||shop.default.svc.cluster.local");
        assertThat(tables.get(1).get("defaultClusters").properties()).extracting(Map.Entry::getKey)
                .containsExactly("9090");
    }

    @Test
    void clusterEndpointsShowTheirHealth() throws IOException {
        JsonNode json = dump("--config", CONFIG);

        JsonNode v2 = find(json.get("clusters"), "key", "outbound|9080|v2|reviews.default.svc.cluster.local");
        assertThat(v2.get("endpoints")).singleElement().satisfies(e -> {
            assertThat(e.get("ejected").asBoolean()).isFalse();
            assertThat(e.get("inFlight").asInt()).isZero();
        });
    }

    @Test
    void receivedPrintsWhatTheSourceReceivedInsteadOfTheCompiledView() throws IOException {
        JsonNode json = dump("--config", BASE, "--received");

        assertThat(json.has("routeTables")).isFalse();
        JsonNode reviews = find(json.get("resources"), "name", "default/reviews");
        assertThat(reviews.get("status").asText()).isEqualTo("ACKED");
        assertThat(json.get("resources")).extracting(r -> r.get("type").asText())
                .contains("ServiceEntry", "DestinationRule");
        assertThat(json.get("resources")).anySatisfy(r -> assertThat(r.path("file").asText())
                .endsWith("bookinfo-services.yaml"));
    }

    @Test
    void invalidConfigExitsOneWithProblemsOnStderr(@TempDir Path dir) throws IOException {
        Path bad = Files.writeString(dir.resolve("bad.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: r}
                spec:
                  host: reviews
                  subsets: [{name: v1}, {name: v1}]
                """);

        CliRun run = mesh("dump", "--config", bad.toString());

        assertThat(run.status()).as(run.toString()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).contains(bad + ":", "DestinationRule default/r", "duplicate subset names: v1");
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(mesh("dump").status()).isEqualTo(2);
        assertThat(mesh("dump", "--config", "does-not-exist").status()).isEqualTo(2);
    }

    @Test
    void dumpInXdsModeIsValidJsonWithTheSnapshotAndEveryXdsResourceAcked(@TempDir Path dir) throws IOException {
        try (BookinfoXdsServer server = new BookinfoXdsServer()) {
            Path bootstrap = Files.writeString(dir.resolve("bootstrap.json"), server.bootstrapJson());

            JsonNode json = dump("--bootstrap", bootstrap.toString());

            assertThat(json.get("source").get("type").asText()).isEqualTo("xds");
            assertThat(json.get("source").get("bootstrap").asText()).isEqualTo(bootstrap.toString());
            assertThat(json.get("client").get("namespace").asText()).isEqualTo("default");
            // The server's Bookinfo is reviews (v1, v2, v3) and ratings, without VirtualServices.
            assertThat(json.get("clusters")).extracting(c -> c.get("key").asText())
                    .contains("outbound|9080||reviews.default.svc.cluster.local",
                            "outbound|9080||ratings.default.svc.cluster.local");
            JsonNode reviews = find(json.get("clusters"), "key", "outbound|9080||reviews.default.svc.cluster.local");
            assertThat(reviews.get("endpoints")).extracting(e -> e.get("address").asText())
                    .containsExactlyInAnyOrder("10.0.0.1", "10.0.0.2", "10.0.0.3");
            assertThat(json.get("routeTables")).extracting(t -> t.get("host").asText())
                    .contains("reviews.default.svc.cluster.local");
            JsonNode xds = json.get("xds");
            assertThat(xds.get("source").asText()).isEqualTo("xds");
            assertThat(xds.get("connected").asBoolean()).isTrue();
            assertThat(xds.get("resources")).isNotEmpty()
                    .allSatisfy(r -> assertThat(r.get("status").asText()).as(r.toString()).isEqualTo("ACKED"));
            assertThat(xds.get("resources")).extracting(r -> r.get("type").asText())
                    .contains("RDS", "CDS", "EDS");
        }
    }

    @Test
    void unusableBootstrapIsAUsageError(@TempDir Path dir) throws IOException {
        Path bootstrap = Files.writeString(dir.resolve("bootstrap.json"), "{\"xds_servers\": []}");

        CliRun run = mesh("dump", "--bootstrap", bootstrap.toString());

        assertThat(run.status()).as(run.toString()).isEqualTo(MeshCommand.USAGE);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).as(run.toString()).startsWith("mesh dump: ").contains(bootstrap.toString());
        assertThat(mesh("dump", "--bootstrap", dir.resolve("missing.json").toString()).status())
                .isEqualTo(MeshCommand.USAGE);
    }

    @Test
    void configAndBootstrapAreAlternatives(@TempDir Path dir) throws IOException {
        Path bootstrap = Files.writeString(dir.resolve("bootstrap.json"), "{}");

        CliRun run = mesh("dump", "--config", CONFIG, "--bootstrap", bootstrap.toString());

        assertThat(run.status()).as(run.toString()).isEqualTo(MeshCommand.USAGE);
        assertThat(run.err()).contains("mutually exclusive");
    }

    @Test
    void helpHasExamplesForFilesAndXds() {
        CliRun run = mesh("dump", "--help");

        assertThat(run.status()).as(run.toString()).isZero();
        assertThat(run.out()).startsWith("Usage: mesh dump ")
                .contains("--bootstrap=FILE", "--config=PATH")
                .endsWith("Examples:\n  mesh dump --config examples/config\n"
                        + "  mesh dump --bootstrap /etc/istio/proxy/grpc-bootstrap.json\n");
    }
}
