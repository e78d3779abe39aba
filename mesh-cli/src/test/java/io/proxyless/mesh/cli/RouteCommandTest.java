package io.proxyless.mesh.cli;

import static io.proxyless.mesh.cli.CliRun.mesh;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mesh route} over the sample configs: one test per Istio traffic-management task outcome. */
class RouteCommandTest {
    private static final Path EXAMPLES = Path.of("..", "examples");
    private static final String BASE = EXAMPLES.resolve("config/base").toString();
    private static final String CONFIG = EXAMPLES.resolve("config").toString();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode route(int expectedStatus, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of("route"));
        all.addAll(List.of(args));
        CliRun run = mesh(all.toArray(String[]::new));
        assertThat(run.status()).as(run.toString()).isEqualTo(expectedStatus);
        return JSON.readTree(run.out());
    }

    private static String scenario(String name) {
        return EXAMPLES.resolve("scenarios").resolve(name).toString();
    }

    @Test
    void requestRoutingSendsJasonToReviewsV2() throws IOException {
        JsonNode json = route(0, "--config", CONFIG, "GET", "http://reviews:9080/reviews/1", "-H", "end-user: jason");
        assertThat(json.get("host").asText()).isEqualTo("reviews.default.svc.cluster.local");
        assertThat(json.get("port").asInt()).isEqualTo(9080);
        assertThat(json.get("virtualService").asText()).isEqualTo("default/reviews");
        assertThat(json.get("route").get("index").asInt()).isZero();
        assertThat(json.get("action").asText()).isEqualTo("forward");
        assertThat(json.get("destinations")).hasSize(1);
        assertThat(json.get("destinations").get(0).get("subset").asText()).isEqualTo("v2");
        assertThat(json.get("destinations").get(0).get("weight").asInt()).isEqualTo(100);
        assertThat(json.get("endpoint").get("address").asText()).isEqualTo("127.0.0.1");
        assertThat(json.get("endpoint").get("port").asInt()).isEqualTo(9184);
        assertThat(json.get("loadBalancer").asText()).isEqualTo("LEAST_REQUEST");
        assertThat(json.get("timeout").isNull()).isTrue();
        assertThat(json.get("retries").get("attempts").asInt()).isEqualTo(2);
        assertThat(json.get("retries").get("retryOn").asText())
                .isEqualTo("connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes");
        assertThat(json.get("reason").isNull()).isTrue();
        assertThat(json.get("mirrors")).isEmpty();
        assertThat(json.get("warnings")).isEmpty();
    }

    @Test
    void tlsModeIsTheOneOfThePickedEndpointWithAutoMtlsPeerAuthenticationAndAnExplicitDestinationRule(@TempDir Path dir)
            throws IOException {
        Files.writeString(dir.resolve("reviews.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: reviews, namespace: default}
                spec:
                  hosts: [reviews.default.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 9080, name: http, protocol: HTTP}]
                  endpoints:
                  - {address: 10.0.0.1, labels: {security.istio.io/tlsMode: istio}, serviceAccount: reviews}
                """);
        String config = dir.toString();
        assertThat(route(0, "--config", config, "GET", "http://reviews:9080/").get("tlsMode").asText())
                .isEqualTo("ISTIO_MUTUAL");
        assertThat(route(0, "--config", config, "--auto-mtls=false", "GET", "http://reviews:9080/").get("tlsMode")
                .asText()).isEqualTo("DISABLE");
        Files.writeString(dir.resolve("pa.yaml"), """
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: default, namespace: default}
                spec: {mtls: {mode: DISABLE}}
                """);
        assertThat(route(0, "--config", config, "GET", "http://reviews:9080/").get("tlsMode").asText())
                .as("the endpoint's PeerAuthentication is DISABLE").isEqualTo("DISABLE");
        Files.delete(dir.resolve("pa.yaml"));
        Files.writeString(dir.resolve("dr.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews, namespace: default}
                spec:
                  host: reviews
                  trafficPolicy: {tls: {mode: DISABLE}}
                """);
        assertThat(route(0, "--config", config, "GET", "http://reviews:9080/").get("tlsMode").asText())
                .as("an explicit DestinationRule tls wins").isEqualTo("DISABLE");
    }

    @Test
    void requestRoutingSendsEveryoneElseToV1() throws IOException {
        JsonNode json = route(0, "--config", CONFIG, "GET", "http://reviews:9080/reviews/1");
        assertThat(json.get("route").get("index").asInt()).isEqualTo(1);
        assertThat(json.get("picks").get(0).get("subset").asText()).isEqualTo("v1");
        assertThat(json.get("endpoint").get("port").asInt()).isEqualTo(9183);
    }

    @Test
    void fiftyFiftyShiftOverTenThousandSamplesIsWithinThreePercent() throws IOException {
        JsonNode json = route(0, "--config", BASE, "--config", scenario("traffic-shifting/50-50"),
                "--samples", "10000", "GET", "http://reviews:9080/");
        assertThat(json.get("destinations")).extracting(d -> d.get("weight").asInt()).containsExactly(50, 50);
        int v1 = count(json, "v1");
        int v3 = count(json, "v3");
        assertThat(v1 + v3).isEqualTo(10_000);
        assertThat(v1).isBetween(4_850, 5_150);
    }

    @Test
    void eightyTwentyShiftSplitsAccordingly() throws IOException {
        JsonNode json = route(0, "--config", BASE, "--config", scenario("traffic-shifting/80-20"),
                "--samples", "10000", "--seed", "99", "GET", "http://reviews.default.svc.cluster.local:9080/");
        assertThat(count(json, "v3")).isBetween(1_850, 2_150);
    }

    @Test
    void faultDelayOfSevenSecondsForJason() throws IOException {
        JsonNode json = route(0, "--config", BASE, "--config", CONFIG + "/routing/reviews-jason-v2.yaml",
                "--config", scenario("fault-injection/delay"), "GET", "http://ratings:9080/ratings/0",
                "-H", "end-user: jason");
        assertThat(json.get("fault").get("delay").get("fixedDelay").asText()).isEqualTo("7s");
        assertThat(json.get("fault").get("delay").get("percentage").asDouble()).isEqualTo(100.0);
        assertThat(json.get("fault").get("abort").isNull()).isTrue();
        JsonNode others = route(0, "--config", BASE, "--config", CONFIG + "/routing/reviews-jason-v2.yaml",
                "--config", scenario("fault-injection/delay"), "GET", "http://ratings:9080/ratings/0");
        assertThat(others.get("fault").isNull()).isTrue();
    }

    @Test
    void faultAbortWithHttp500ForJason() throws IOException {
        JsonNode json = route(0, "--config", BASE, "--config", CONFIG + "/routing/reviews-jason-v2.yaml",
                "--config", scenario("fault-injection/abort"), "GET", "http://ratings:9080/ratings/0",
                "-H", "end-user: jason");
        assertThat(json.get("fault").get("abort").get("httpStatus").asInt()).isEqualTo(500);
        assertThat(json.get("fault").get("abort").get("percentage").asDouble()).isEqualTo(100.0);
    }

    @Test
    void halfSecondTimeoutOnReviews() throws IOException {
        JsonNode json = route(0, "--config", BASE, "--config", scenario("request-timeouts"),
                "GET", "http://reviews:9080/");
        assertThat(json.get("timeout").asText()).isEqualTo("0.500s");
        assertThat(json.get("picks").get(0).get("subset").asText()).isEqualTo("v2");
    }

    @Test
    void retriesAsConfigured() throws IOException {
        JsonNode json = route(0, "--config", BASE, "--config", scenario("retries"), "GET", "http://ratings:9080/");
        assertThat(json.get("retries").get("attempts").asInt()).isEqualTo(3);
        assertThat(json.get("retries").get("perTryTimeout").asText()).isEqualTo("2s");
        assertThat(json.get("retries").get("retryOn").asText()).isEqualTo("gateway-error,connect-failure,refused-stream");
    }

    @Test
    void mirroringCopiesEveryRequestToV2() throws IOException {
        JsonNode json = route(0, "--config", BASE, "--config", scenario("mirroring"), "GET", "http://httpbin:8000/get");
        assertThat(json.get("picks").get(0).get("subset").asText()).isEqualTo("v1");
        JsonNode mirror = json.get("mirrors").get(0);
        assertThat(mirror.get("host").asText()).isEqualTo("httpbin.default.svc.cluster.local");
        assertThat(mirror.get("subset").asText()).isEqualTo("v2");
        assertThat(mirror.get("port").asInt()).isEqualTo(8000);
        assertThat(mirror.get("percentage").asDouble()).isEqualTo(100.0);
    }

    @Test
    void circuitBreakingDestinationRuleIsInForce() throws IOException {
        JsonNode json = route(0, "--config", BASE, "--config", scenario("circuit-breaking"),
                "GET", "http://httpbin:8000/get");
        assertThat(json.get("action").asText()).isEqualTo("forward");
        assertThat(json.get("virtualService").isNull()).isTrue();
        assertThat(json.get("destinations").get(0).get("host").asText()).isEqualTo("httpbin.default.svc.cluster.local");
    }

    @Test
    void egressHostGetsItsVirtualServiceTimeout() throws IOException {
        JsonNode json = route(0, "--config", CONFIG, "GET", "http://httpbin.org/headers");
        assertThat(json.get("host").asText()).isEqualTo("httpbin.org");
        assertThat(json.get("timeout").asText()).isEqualTo("3s");
        assertThat(json.get("endpoint").get("address").asText()).isEqualTo("httpbin.org");
        assertThat(json.get("endpoint").get("port").asInt()).isEqualTo(80);
    }

    @Test
    void rejectionExitsThreeAndSaysWhy(@TempDir Path dir) throws IOException {
        Path sidecar = Files.writeString(dir.resolve("sidecar.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: default}
                spec:
                  egress: [{hosts: ["./*"]}]
                  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
                """);
        JsonNode json = route(RouteCommand.REJECTED, "--config", BASE, "--config", sidecar.toString(),
                "GET", "http://unknown.example.com/");
        assertThat(json.get("action").asText()).isEqualTo("reject");
        assertThat(json.get("reason").asText()).contains("unknown.example.com").contains("REGISTRY_ONLY");
        assertThat(json.get("endpoint").isNull()).isTrue();
    }

    @Test
    void samplesShowRejectionsAmongThePicks(@TempDir Path dir) throws IOException {
        // The 80% leg's host is misspelled: its picks are rejections, and must not pass for forwards to v1.
        Path reviews = Files.writeString(dir.resolve("reviews.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route:
                    - destination: {host: reveiws, subset: v1}
                      weight: 80
                    - destination: {host: reviews, subset: v3}
                      weight: 20
                """);
        JsonNode json = route(0, "--config", BASE, "--config", reviews.toString(), "--samples", "1000",
                "GET", "http://reviews:9080/");

        assertThat(json.get("picks")).hasSize(2);
        JsonNode forward = json.get("picks").get(0);
        assertThat(forward.get("action").asText()).isEqualTo("forward");
        assertThat(forward.get("subset").asText()).isEqualTo("v3");
        assertThat(forward.get("reason").isNull()).isTrue();
        JsonNode reject = json.get("picks").get(1);
        assertThat(reject.get("action").asText()).isEqualTo("reject");
        assertThat(reject.get("host").asText()).isEqualTo("reveiws.default.svc.cluster.local");
        assertThat(reject.get("subset").asText()).isEqualTo("v1");
        assertThat(reject.get("status").asInt()).isEqualTo(503);
        assertThat(reject.get("reason").asText()).contains("reveiws.default.svc.cluster.local");
        assertThat(forward.get("count").asInt() + reject.get("count").asInt()).isEqualTo(1000);
        assertThat(reject.get("count").asInt()).isEqualTo(799);
        assertThat(count(json, "v1")).isZero();
    }

    @Test
    void invalidConfigExitsOneWithProblemsOnStderr(@TempDir Path dir) throws IOException {
        Path bad = Files.writeString(dir.resolve("bad.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: a}
                spec:
                  hosts: [a]
                  http: [{route: [{destination: {host: a, subst: v1}}]}]
                """);
        CliRun run = mesh("route", "--config", bad.toString(), "GET", "http://a/");
        assertThat(run.status()).as(run.toString()).isEqualTo(1);
        assertThat(run.err()).contains(bad + ":6: VirtualService default/a: spec.http[0].route[0].destination.subst: "
                + "unknown field \"subst\"; did you mean \"subset\"?");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(mesh("route", "GET", "http://a/").status()).isEqualTo(2);
        assertThat(mesh("route", "--config", CONFIG, "GET").status()).isEqualTo(2);
        assertThat(mesh("route", "--config", CONFIG, "GET", "http://a/", "-H", "nocolon").status()).isEqualTo(2);
        assertThat(mesh("route", "--config", "does-not-exist", "GET", "http://a/").status()).isEqualTo(2);
    }

    private static int count(JsonNode json, String subset) {
        for (JsonNode pick : json.get("picks")) {
            if (pick.get("action").asText().equals("forward") && subset.equals(pick.get("subset").asText())) {
                return pick.get("count").asInt();
            }
        }
        return 0;
    }
}
