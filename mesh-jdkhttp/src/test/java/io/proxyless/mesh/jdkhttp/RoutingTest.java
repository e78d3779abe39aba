package io.proxyless.mesh.jdkhttp;

import static io.proxyless.mesh.runtime.testing.MeshYaml.endpoint;
import static io.proxyless.mesh.runtime.testing.MeshYaml.serviceEntry;
import static io.proxyless.mesh.runtime.testing.MeshYaml.subsetsV1V2;
import static io.proxyless.mesh.runtime.testing.MeshYaml.virtualService;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proxyless.mesh.runtime.call.MeshRejectedException;
import io.proxyless.mesh.runtime.testing.Await;
import io.proxyless.mesh.runtime.testing.FakeClock;
import io.proxyless.mesh.runtime.testing.HttpUpstream;
import io.proxyless.mesh.runtime.time.MeshClock;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Routing through real upstreams with the JDK client: matches, splits, local replies, rewrites, header
 * operations, rejects — the OkHttp adapter's scenarios.
 */
class RoutingTest {
    @TempDir
    Path dir;

    private final Harness h = new Harness();
    private HttpUpstream v1;
    private HttpUpstream v2;
    private MeshClock clock = MeshClock.system();

    @BeforeEach
    void start() {
        v1 = h.upstream("v1");
        v2 = h.upstream("v2");
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private void mesh(String... extra) {
        String[] docs = new String[extra.length + 2];
        docs[0] = serviceEntry("reviews", 9080, endpoint(v1, "labels: {version: v1}"),
                endpoint(v2, "labels: {version: v2}"));
        docs[1] = subsetsV1V2("reviews", "");
        System.arraycopy(extra, 0, docs, 2, extra.length);
        h.start(dir, clock, docs);
    }

    private String get(String url, String... headers) throws IOException, InterruptedException {
        return h.call(url, headers).body();
    }

    @Test
    void headerExactMatchRoutesJasonToV2AndEveryoneElseToV1() throws Exception {
        mesh(virtualService("reviews", """
                - match: [{headers: {end-user: {exact: jason}}}]
                  route: [{destination: {host: reviews, subset: v2}}]
                - route: [{destination: {host: reviews, subset: v1}}]
                """));
        for (int i = 0; i < 20; i++) {
            assertThat(get("http://reviews:9080/reviews/1", "end-user", "jason")).isEqualTo("v2");
            assertThat(get("http://reviews:9080/reviews/1")).isEqualTo("v1");
            assertThat(get("http://reviews:9080/reviews/1", "end-user", "mary")).isEqualTo("v1");
        }
        assertThat(v2.count()).isEqualTo(20);
        assertThat(v1.count()).isEqualTo(40);
    }

    @Test
    void theUpstreamSeesTheLogicalHostNotTheEndpointAddress() throws Exception {
        mesh();
        assertThat(h.client.sendsLogicalHost()).as("the JVM of this test allows setting Host").isTrue();
        get("http://reviews:9080/reviews/1");
        get("http://reviews.default.svc.cluster.local:9080/reviews/2");
        List<String> hosts = new ArrayList<>(v1.hosts());
        hosts.addAll(v2.hosts());
        assertThat(hosts).containsExactlyInAnyOrder("reviews:9080", "reviews.default.svc.cluster.local:9080");
        HttpUpstream.Received first = v1.recorded.isEmpty() ? v2.recorded.peek() : v1.recorded.peek();
        assertThat(first.path()).startsWith("/reviews/");
    }

    @Test
    void weightsSplitTwoThousandRequestsEightyTwentyWithinFourPercent() throws Exception {
        mesh(virtualService("reviews", """
                - route:
                  - {destination: {host: reviews, subset: v1}, weight: 80}
                  - {destination: {host: reviews, subset: v2}, weight: 20}
                """));
        int n = 2000;
        for (int i = 0; i < n; i++) {
            get("http://reviews:9080/");
        }
        assertThat(v1.count() + v2.count()).isEqualTo(n);
        assertThat(v1.count() / (double) n).isBetween(0.76, 0.84);
        assertThat(v2.count() / (double) n).isBetween(0.16, 0.24);
    }

    @Test
    void theFirstMatchingRouteWins() throws Exception {
        mesh(virtualService("reviews", """
                - match: [{uri: {prefix: /reviews/special}}]
                  route: [{destination: {host: reviews, subset: v2}}]
                - match: [{uri: {prefix: /reviews}}]
                  route: [{destination: {host: reviews, subset: v1}}]
                - match: [{uri: {prefix: /reviews/special/never}}]
                  route: [{destination: {host: reviews, subset: v1}}]
                """));
        assertThat(get("http://reviews:9080/reviews/special/never")).isEqualTo("v2");
        assertThat(get("http://reviews:9080/reviews/1")).isEqualTo("v1");
    }

    @Test
    void shortAndFullyQualifiedUrlsReachTheSameRoutes() throws Exception {
        mesh(virtualService("reviews", """
                - route: [{destination: {host: reviews, subset: v2}}]
                """));
        assertThat(get("http://reviews:9080/")).isEqualTo("v2");
        assertThat(get("http://reviews.default:9080/")).isEqualTo("v2");
        assertThat(get("http://reviews.default.svc.cluster.local:9080/")).isEqualTo("v2");
    }

    @Test
    void redirectIsAnsweredLocallyWithLocation() throws Exception {
        mesh(virtualService("reviews", """
                - match: [{uri: {exact: /v1/getProductRatings}}]
                  redirect: {uri: /v1/bookRatings, authority: ratings.default.svc.cluster.local}
                """));
        HttpResponse<String> r = h.call("http://reviews:9080/v1/getProductRatings?id=7");
        assertThat(r.statusCode()).isEqualTo(301);
        assertThat(r.headers().firstValue("Location"))
                .hasValue("http://ratings.default.svc.cluster.local/v1/bookRatings?id=7");
        assertThat(r.uri()).isEqualTo(URI.create("http://reviews:9080/v1/getProductRatings?id=7"));
        assertThat(v1.count() + v2.count()).isZero();
    }

    @Test
    void directResponseIsSyntheticAndCarriesResponseHeaderOperations() throws Exception {
        mesh(virtualService("reviews", """
                - match: [{uri: {prefix: /maintenance}}]
                  directResponse: {status: 503, body: {string: "down for maintenance"}}
                  headers: {response: {set: {x-mesh: direct}}}
                """));
        HttpResponse<String> r = h.call("http://reviews:9080/maintenance");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).isEqualTo("down for maintenance");
        assertThat(r.headers().firstValue("Content-Type")).get().asString().startsWith("text/plain");
        assertThat(r.headers().firstValue("x-mesh")).hasValue("direct");
        assertThat(v1.count() + v2.count()).isZero();
    }

    @Test
    void rewriteAndHeaderOperationsReachTheUpstream() throws Exception {
        mesh(virtualService("reviews", """
                - match: [{uri: {prefix: /api/reviews}}]
                  rewrite: {uri: /reviews, authority: reviews-internal:9080}
                  headers:
                    request: {set: {x-route: canary}, add: {x-trace: mesh}, remove: [x-secret]}
                    response: {set: {x-served-by: mesh}, remove: [x-internal]}
                  route: [{destination: {host: reviews, subset: v1}}]
                """));
        v1.respond = r -> HttpUpstream.Reply.of(200, "v1").header("x-internal", "1");
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://reviews:9080/api/reviews/3?x=1"))
                .header("x-secret", "s").header("x-trace", "app").build();
        HttpResponse<String> r = h.client.send(request, BodyHandlers.ofString());
        assertThat(r.headers().firstValue("x-served-by")).hasValue("mesh");
        assertThat(r.headers().firstValue("x-internal")).isEmpty();
        assertThat(r.request()).as("the application sees its own request").isSameAs(request);
        assertThat(r.uri()).isEqualTo(URI.create("http://reviews:9080/api/reviews/3?x=1"));
        HttpUpstream.Received seen = v1.recorded.peek();
        assertThat(seen.target()).isEqualTo("/reviews/3?x=1");
        assertThat(seen.header("Host")).isEqualTo("reviews-internal:9080");
        assertThat(seen.header("x-route")).isEqualTo("canary");
        assertThat(seen.values("x-trace")).containsExactly("app", "mesh");
        assertThat(seen.header("x-secret")).isNull();
    }

    @Test
    void rejectionsAreTypedExceptionsNamingHostRouteAndReason() {
        mesh(virtualService("reviews", """
                - name: only-api
                  match: [{uri: {prefix: /api}}]
                  route: [{destination: {host: reviews, subset: v1}}]
                - match: [{uri: {prefix: /gone}}]
                  route: [{destination: {host: reviews, subset: v9}}]
                """));
        assertThatThrownBy(() -> get("http://reviews:9080/other"))
                .isInstanceOfSatisfying(MeshRejectedException.class, e -> {
                    assertThat(e.status()).isEqualTo(404);
                    assertThat(e.host()).isEqualTo("reviews.default.svc.cluster.local");
                    assertThat(e.getMessage()).contains("no route").contains("default/reviews");
                })
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> get("http://reviews:9080/gone"))
                .isInstanceOfSatisfying(MeshRejectedException.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.route()).isEqualTo("default/reviews http[1]");
                    assertThat(e.reason()).contains("v9");
                });
        CompletableFuture<HttpResponse<String>> async = h.client.sendAsync(Harness.request("http://reviews:9080/x"),
                BodyHandlers.ofString());
        assertThatThrownBy(async::join).hasCauseInstanceOf(MeshRejectedException.class);
    }

    @Test
    void faultAbortAnswersTheStatusAndFaultDelayWaitsOnTheMeshClock() throws Exception {
        FakeClock fake = new FakeClock();
        clock = fake;
        mesh(virtualService("reviews", """
                - match: [{uri: {prefix: /abort}}]
                  fault: {abort: {httpStatus: 418, percentage: {value: 100}}}
                  route: [{destination: {host: reviews, subset: v1}}]
                - match: [{uri: {prefix: /delay}}]
                  fault: {delay: {fixedDelay: 300ms, percentage: {value: 100}}}
                  route: [{destination: {host: reviews, subset: v1}}]
                """));
        HttpResponse<String> aborted = h.call("http://reviews:9080/abort");
        assertThat(aborted.statusCode()).isEqualTo(418);
        assertThat(aborted.body()).isEqualTo("fault filter abort");
        assertThat(v1.count()).isZero();
        CompletableFuture<HttpResponse<String>> delayed = h.client.sendAsync(
                Harness.request("http://reviews:9080/delay"), BodyHandlers.ofString());
        Await.until("the fault delay timer", () -> fake.pendingTimers() == 1);
        fake.advance(Duration.ofMillis(299));
        assertThat(delayed.isDone()).isFalse();
        assertThat(v1.count()).as("held by the fault delay").isZero();
        fake.advance(Duration.ofMillis(1));
        assertThat(delayed.get(10, TimeUnit.SECONDS).body()).isEqualTo("v1");
    }

    @Test
    void hostsOutsideTheMeshPassThroughUnchanged() throws Exception {
        mesh();
        assertThat(get("http://127.0.0.1:" + v2.port() + "/direct")).isEqualTo("v2");
        assertThat(v2.hosts()).containsExactly("127.0.0.1:" + v2.port());
    }

    @Test
    void aPostBodyReachesTheUpstreamAndTheResponseStreams() throws Exception {
        mesh(virtualService("reviews", """
                - route: [{destination: {host: reviews, subset: v1}}]
                """));
        v1.respond = r -> HttpUpstream.Reply.of(201, "got " + r.bodyText());
        HttpResponse<java.io.InputStream> r = h.client.send(HttpRequest.newBuilder(
                        URI.create("http://reviews:9080/post"))
                .POST(HttpRequest.BodyPublishers.ofString("hello")).build(), BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(201);
        try (java.io.InputStream in = r.body()) {
            assertThat(new String(in.readAllBytes())).isEqualTo("got hello");
        }
        assertThat(v1.recorded.peek().method()).isEqualTo("POST");
    }

    @Test
    void anEmptyResponseEndsTheCallAndReturnsItsPermit() throws Exception {
        mesh(virtualService("reviews", """
                - route: [{destination: {host: reviews, subset: v1}}]
                """));
        v1.respond = r -> HttpUpstream.Reply.of(204, "");
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = h.call("http://reviews:9080/empty");
            assertThat(r.statusCode()).isEqualTo(204);
            assertThat(r.body()).isEmpty();
        }
        Await.until("every permit returned", () -> h.mesh.snapshot().clusters()
                .get("outbound|9080|v1|reviews.default.svc.cluster.local").pool().activeRequests() == 0);
    }
}
