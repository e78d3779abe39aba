package io.proxyless.mesh.okhttp;

import static io.proxyless.mesh.runtime.testing.MeshYaml.endpoint;
import static io.proxyless.mesh.runtime.testing.MeshYaml.serviceEntry;
import static io.proxyless.mesh.runtime.testing.MeshYaml.subsetsV1V2;
import static io.proxyless.mesh.runtime.testing.MeshYaml.virtualService;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.call.MeshRejectedException;
import io.proxyless.mesh.runtime.testing.FakeClock;
import io.proxyless.mesh.runtime.testing.HttpUpstream;
import io.proxyless.mesh.runtime.testing.MeshYaml;
import io.proxyless.mesh.runtime.time.MeshClock;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Routing through real upstreams: matches, splits, local replies, rewrites, header operations, rejects. */
class RoutingTest {
    @TempDir
    Path dir;

    private HttpUpstream v1;
    private HttpUpstream v2;
    private Mesh mesh;
    private MeshClock clock = MeshClock.system();
    private MeshInterceptor interceptor;
    private OkHttpClient client;

    @BeforeEach
    void start() {
        v1 = HttpUpstream.start("v1");
        v2 = HttpUpstream.start("v2");
    }

    @AfterEach
    void stop() {
        if (interceptor != null) {
            interceptor.close();
        }
        if (mesh != null) {
            mesh.close();
        }
        v1.close();
        v2.close();
    }

    private void mesh(String... extra) {
        String[] docs = new String[extra.length + 2];
        docs[0] = serviceEntry("reviews", 9080, endpoint(v1, "labels: {version: v1}"),
                endpoint(v2, "labels: {version: v2}"));
        docs[1] = subsetsV1V2("reviews", "");
        System.arraycopy(extra, 0, docs, 2, extra.length);
        mesh = MeshYaml.mesh(dir, clock, docs);
        interceptor = MeshInterceptor.create(mesh);
        client = new OkHttpClient.Builder().addInterceptor(interceptor).build();
    }

    private String get(String url, String... headers) throws IOException {
        Request.Builder b = new Request.Builder().url(url);
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try (Response r = client.newCall(b.build()).execute()) {
            return r.body().string();
        }
    }

    @Test
    void headerExactMatchRoutesJasonToV2AndEveryoneElseToV1() throws IOException {
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
    void theUpstreamSeesTheLogicalHostNotTheEndpointAddress() throws IOException {
        mesh();
        get("http://reviews:9080/reviews/1");
        get("http://reviews.default.svc.cluster.local:9080/reviews/2");
        HttpUpstream.Received first = v1.recorded.isEmpty() ? v2.recorded.peek() : v1.recorded.peek();
        assertThat(first.path()).startsWith("/reviews/");
        assertThat(v1.hosts().size() + v2.hosts().size()).isEqualTo(2);
        assertThat(concat(v1, v2)).containsExactlyInAnyOrder("reviews:9080",
                "reviews.default.svc.cluster.local:9080");
    }

    private static java.util.List<String> concat(HttpUpstream a, HttpUpstream b) {
        java.util.List<String> all = new java.util.ArrayList<>(a.hosts());
        all.addAll(b.hosts());
        return all;
    }

    @Test
    void weightsSplitTwoThousandRequestsEightyTwentyWithinFourPercent() throws IOException {
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
    void theFirstMatchingRouteWins() throws IOException {
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
    void shortAndFullyQualifiedUrlsReachTheSameRoutes() throws IOException {
        mesh(virtualService("reviews", """
                - route: [{destination: {host: reviews, subset: v2}}]
                """));
        assertThat(get("http://reviews:9080/")).isEqualTo("v2");
        assertThat(get("http://reviews.default:9080/")).isEqualTo("v2");
        assertThat(get("http://reviews.default.svc.cluster.local:9080/")).isEqualTo("v2");
    }

    @Test
    void redirectIsAnsweredLocallyWithLocation() throws IOException {
        mesh(virtualService("reviews", """
                - match: [{uri: {exact: /v1/getProductRatings}}]
                  redirect: {uri: /v1/bookRatings, authority: ratings.default.svc.cluster.local}
                """));
        OkHttpClient noFollow = client.newBuilder().followRedirects(false).build();
        try (Response r = noFollow.newCall(new Request.Builder()
                .url("http://reviews:9080/v1/getProductRatings?id=7").build()).execute()) {
            assertThat(r.code()).isEqualTo(301);
            assertThat(r.header("Location"))
                    .isEqualTo("http://ratings.default.svc.cluster.local/v1/bookRatings?id=7");
        }
        assertThat(v1.count() + v2.count()).isZero();
    }

    @Test
    void directResponseIsSyntheticAndCarriesResponseHeaderOperations() throws IOException {
        mesh(virtualService("reviews", """
                - match: [{uri: {prefix: /maintenance}}]
                  directResponse: {status: 503, body: {string: "down for maintenance"}}
                  headers: {response: {set: {x-mesh: direct}}}
                """));
        try (Response r = client.newCall(new Request.Builder().url("http://reviews:9080/maintenance").build())
                .execute()) {
            assertThat(r.code()).isEqualTo(503);
            assertThat(r.body().string()).isEqualTo("down for maintenance");
            assertThat(r.header("Content-Type")).startsWith("text/plain");
            assertThat(r.header("x-mesh")).isEqualTo("direct");
        }
        assertThat(v1.count() + v2.count()).isZero();
    }

    @Test
    void anEndpointOnTheCalledPortGetsTheRequestAsMadeUnlessTheRouteChangesIt() throws IOException {
        int port = v1.port();
        mesh = MeshYaml.mesh(dir, clock, serviceEntry("ratings", port, endpoint(v1, "")), virtualService("ratings", """
                - match: [{uri: {prefix: /internal}}]
                  rewrite: {authority: ratings-internal}
                  route: [{destination: {host: ratings}}]
                - route: [{destination: {host: ratings}}]
                """));
        interceptor = MeshInterceptor.create(mesh);
        client = new OkHttpClient.Builder().addInterceptor(interceptor).build();

        assertThat(get("http://ratings:" + port + "/r/1?q=1", "x-app", "a")).isEqualTo("v1");
        HttpUpstream.Received seen = v1.recorded.poll();
        assertThat(seen.target()).isEqualTo("/r/1?q=1");
        assertThat(seen.header("Host")).as("OkHttp's Host for the URL: the authority").isEqualTo("ratings:" + port);
        assertThat(seen.header("x-app")).isEqualTo("a");

        assertThat(get("http://ratings:" + port + "/internal/2")).isEqualTo("v1");
        seen = v1.recorded.poll();
        assertThat(seen.target()).isEqualTo("/internal/2");
        assertThat(seen.header("Host")).as("the route's authority").isEqualTo("ratings-internal");
    }

    @Test
    void rewriteAndHeaderOperationsReachTheUpstream() throws IOException {
        mesh(virtualService("reviews", """
                - match: [{uri: {prefix: /api/reviews}}]
                  rewrite: {uri: /reviews, authority: reviews-internal:9080}
                  headers:
                    request: {set: {x-route: canary}, add: {x-trace: mesh}, remove: [x-secret]}
                    response: {set: {x-served-by: mesh}, remove: [x-internal]}
                  route: [{destination: {host: reviews, subset: v1}}]
                """));
        v1.respond = r -> HttpUpstream.Reply.of(200, "v1").header("x-internal", "1");
        try (Response r = client.newCall(new Request.Builder().url("http://reviews:9080/api/reviews/3?x=1")
                .header("x-secret", "s").header("x-trace", "app").build()).execute()) {
            assertThat(r.header("x-served-by")).isEqualTo("mesh");
            assertThat(r.header("x-internal")).isNull();
            assertThat(r.request().url().toString()).as("the application sees its own request")
                    .isEqualTo("http://reviews:9080/api/reviews/3?x=1");
        }
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
    }

    @Test
    void faultAbortAnswersTheStatusAndFaultDelayWaitsOnTheMeshClock() throws Exception {
        clock = new FakeClock();
        mesh(virtualService("reviews", """
                - match: [{uri: {prefix: /abort}}]
                  fault: {abort: {httpStatus: 418, percentage: {value: 100}}}
                  route: [{destination: {host: reviews, subset: v1}}]
                - match: [{uri: {prefix: /delay}}]
                  fault: {delay: {fixedDelay: 300ms, percentage: {value: 100}}}
                  route: [{destination: {host: reviews, subset: v1}}]
                """));
        try (Response r = client.newCall(new Request.Builder().url("http://reviews:9080/abort").build()).execute()) {
            assertThat(r.code()).isEqualTo(418);
            assertThat(r.body().string()).isEqualTo("fault filter abort");
        }
        assertThat(v1.count()).isZero();
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try {
            Future<String> delayed = caller.submit(() -> get("http://reviews:9080/delay"));
            Harness.await("the fault delay timer", () -> ((FakeClock) clock).pendingTimers() == 1);
            ((FakeClock) clock).advance(Duration.ofMillis(299));
            assertThat(delayed.isDone()).isFalse();
            assertThat(v1.count()).as("held by the fault delay").isZero();
            ((FakeClock) clock).advance(Duration.ofMillis(1));
            assertThat(delayed.get(10, TimeUnit.SECONDS)).isEqualTo("v1");
        } finally {
            caller.shutdownNow();
        }
    }

    @Test
    void hostsOutsideTheMeshPassThroughUnchanged() throws IOException {
        mesh();
        try (Response r = client.newCall(new Request.Builder().url("http://127.0.0.1:" + v2.port() + "/direct").build()).execute()) {
            assertThat(r.body().string()).isEqualTo("v2");
        }
    }
}
