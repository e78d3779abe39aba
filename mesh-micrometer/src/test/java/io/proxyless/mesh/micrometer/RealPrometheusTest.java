package io.proxyless.mesh.micrometer;

import static io.proxyless.mesh.micrometer.Configs.endpoint;
import static io.proxyless.mesh.micrometer.Configs.serviceEntry;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.proxyless.mesh.okhttp.MeshInterceptor;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.call.MeshOverflowException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus scrapes an application that calls real upstreams through the mesh with OkHttp, and Istio's own
 * queries give the answers a sidecar's metrics would: the 80/20 split by {@code destination_version}, and circuit
 * breaker overflows as {@code response_flags="UO"} and Envoy's {@code upstream_rq_pending_overflow}.
 */
class RealPrometheusTest {
    private static final String REVIEWS = "reviews.default.svc.cluster.local";
    private static final String RATINGS = "ratings.default.svc.cluster.local";
    private static final int CALLS = 500;
    private static final int CONCURRENT = 6;

    @TempDir
    Path dir;

    @Test
    void prometheusSeesTheWeightedSplitByVersionAndCircuitBreakerOverflowsAsUO() throws Exception {
        Optional<Path> binary = PrometheusServer.binary();
        if (binary.isEmpty()) {
            String why = "SKIPPED RealPrometheusTest: no prometheus binary (not on PATH, not /usr/bin/prometheus, "
                    + "PROMETHEUS_BIN unset); install it with `apt-get install -y prometheus` (.ci/run does)";
            System.err.println("*".repeat(100) + "\n" + why + "\n" + "*".repeat(100));
            Assumptions.abort(why);
        }
        CountDownLatch release = new CountDownLatch(1);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        HttpServer app = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 16);
        app.createContext("/stats/prometheus", exchange -> {
            try (exchange) {
                byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        app.start();
        ExecutorService callers = Executors.newFixedThreadPool(CONCURRENT);
        try (HttpUpstream v1 = HttpUpstream.start("v1");
             HttpUpstream v2 = HttpUpstream.start("v2");
             HttpUpstream ratings = HttpUpstream.hold("ratings", release);
             Mesh mesh = Configs.mesh(dir,
                     serviceEntry("reviews", "HTTP", endpoint(v1.port(), "reviews", "v1"),
                             endpoint(v2.port(), "reviews", "v2")),
                     """
                     apiVersion: networking.istio.io/v1
                     kind: DestinationRule
                     metadata: {name: reviews}
                     spec:
                       host: reviews
                       subsets:
                       - {name: v1, labels: {version: v1}}
                       - {name: v2, labels: {version: v2}}
                     """,
                     """
                     apiVersion: networking.istio.io/v1
                     kind: VirtualService
                     metadata: {name: reviews}
                     spec:
                       hosts: [reviews]
                       http:
                       - route:
                         - {destination: {host: reviews, subset: v1}, weight: 80}
                         - {destination: {host: reviews, subset: v2}, weight: 20}
                     """,
                     serviceEntry("ratings", "HTTP", endpoint(ratings.port(), "ratings", "v1")),
                     """
                     apiVersion: networking.istio.io/v1
                     kind: DestinationRule
                     metadata: {name: ratings}
                     spec:
                       host: ratings
                       trafficPolicy:
                         connectionPool:
                           tcp: {maxConnections: 1}
                           http: {http1MaxPendingRequests: 1}
                     """);
             MeshMetrics metrics = MeshMetrics.builder().environment(Configs.POD::get).bindTo(mesh, registry);
             MeshInterceptor interceptor = MeshInterceptor.create(mesh);
             PrometheusServer prometheus = PrometheusServer.start(binary.get(), dir, app.getAddress().getPort())) {
            OkHttpClient client = new OkHttpClient.Builder().addInterceptor(interceptor).build();

            for (int i = 0; i < CALLS; i++) {
                try (Response r = client.newCall(new Request.Builder().url("http://reviews:9080/reviews/" + i)
                        .build()).execute()) {
                    assertThat(r.code()).isEqualTo(200);
                    r.body().string();
                }
            }

            // ratings holds what it admits: maxConnections + http1MaxPendingRequests calls get in, the rest are UO.
            List<Future<String>> calls = new ArrayList<>();
            for (int i = 0; i < CONCURRENT; i++) {
                calls.add(callers.submit(() -> {
                    try (Response r = client.newCall(new Request.Builder().url("http://ratings:9080/ratings/0")
                            .build()).execute()) {
                        return r.code() + " " + r.body().string();
                    } catch (MeshOverflowException e) {
                        return "overflow";
                    }
                }));
            }
            int overflowing = CONCURRENT - 2;
            Configs.await("two calls held by ratings and the others refused", () -> ratings.requests.get() == 2
                    && calls.stream().filter(Future::isDone).count() == overflowing);
            release.countDown();
            long refused = 0;
            for (Future<String> f : calls) {
                refused += f.get(10, TimeUnit.SECONDS).equals("overflow") ? 1 : 0;
            }
            assertThat(refused).isEqualTo(overflowing);

            // Wait for a scrape that saw every call; after it, the counters no longer move.
            Configs.await("Prometheus to have scraped all " + (CALLS + CONCURRENT) + " requests (target up: "
                    + prometheus.targetUp() + "; log: " + prometheus.log() + ")",
                    () -> prometheus.scalar("sum(istio_requests_total)") == CALLS + CONCURRENT);

            Map<String, Double> byVersion = prometheus.query("sum by (destination_version) "
                    + "(istio_requests_total{destination_service=\"" + REVIEWS + "\"})");
            assertThat(byVersion).isEqualTo(Map.of(
                    "destination_version=v1", (double) v1.requests.get(),
                    "destination_version=v2", (double) v2.requests.get()));
            double v1Share = byVersion.get("destination_version=v1") / CALLS;
            assertThat(v1Share).as("weight 80 of 100 over %d calls", CALLS).isBetween(0.7, 0.9);

            assertThat(prometheus.query("sum by (destination_service, response_code) "
                    + "(istio_requests_total{response_flags=\"UO\"})"))
                    .isEqualTo(Map.of("destination_service=" + RATINGS + ",response_code=503", (double) overflowing));
            assertThat(prometheus.scalar("envoy_cluster_upstream_rq_pending_overflow{cluster_name=\"outbound|9080||"
                    + RATINGS + "\"}")).isEqualTo(overflowing);
            assertThat(prometheus.scalar("sum(istio_requests_total{destination_service=\"" + RATINGS
                    + "\",response_flags=\"-\",response_code=\"200\"})")).isEqualTo(2);
            assertThat(prometheus.scalar("sum(istio_request_duration_milliseconds_count{destination_service=\""
                    + REVIEWS + "\",reporter=\"source\",source_workload=\"productpage-v1\"})")).isEqualTo(CALLS);
            assertThat(prometheus.scalar("count(istio_request_duration_milliseconds_bucket{destination_service=\""
                    + REVIEWS + "\",destination_version=\"v1\"})")).as("Istio's 19 buckets and +Inf").isEqualTo(20);
        } finally {
            release.countDown();
            callers.shutdownNow();
            app.stop(0);
        }
    }
}
