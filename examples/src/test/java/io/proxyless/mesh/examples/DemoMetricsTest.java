package io.proxyless.mesh.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.okhttp.MeshInterceptor;
import io.proxyless.mesh.runtime.Mesh;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's metrics: a workload's calls through its mesh are served at Istio's merged-metrics path, and a
 * scenario's summary counts what happened since its start, by destination version and by code and flags.
 */
class DemoMetricsTest {
    @TempDir
    Path dir;

    @Test
    void callsAreServedAtStatsPrometheusAndSummarisedSinceTheScenarioStarted() throws Exception {
        AtomicInteger n = new AtomicInteger();
        try (HttpWorkload v1 = HttpWorkload.plain("reviews-v1", r -> n.incrementAndGet() == 3
                ? new HttpWorkload.Reply(503, "down") : HttpWorkload.Reply.ok("v1"))) {
            Files.writeString(dir.resolve("mesh.yaml"), """
                    apiVersion: networking.istio.io/v1
                    kind: ServiceEntry
                    metadata: {name: reviews}
                    spec:
                      hosts: [reviews.default.svc.cluster.local]
                      location: MESH_INTERNAL
                      resolution: STATIC
                      ports: [{number: 9080, name: http, protocol: HTTP}]
                      endpoints:
                      - {address: 127.0.0.1, ports: {http: %d}, labels: {app: reviews, version: v1}}
                    """.formatted(v1.port()));
            try (Mesh mesh = Mesh.builder().configPaths(dir).namespace("default").watch(false).build();
                 MeshInterceptor interceptor = MeshInterceptor.create(mesh);
                 DemoMetrics metrics = DemoMetrics.start(Map.of(
                         DemoMetrics.identity("productpage-v1", "productpage", "v1"), mesh))) {
                OkHttpClient client = new OkHttpClient.Builder().addInterceptor(interceptor).build();
                get(client, "http://reviews:9080/");
                awaitCounted(metrics, 1);
                DemoMetrics.Counts before = metrics.counts();
                for (int i = 0; i < 3; i++) {
                    get(client, "http://reviews:9080/");
                }
                awaitCounted(metrics, 4);

                assertThat(metrics.summary(before)).containsExactly(
                        DemoMetrics.BY_VERSION, "reviews v1 3",
                        DemoMetrics.BY_CODE, "200 - 2, 503 - 1");
                assertThat(metrics.summary(metrics.counts())).containsExactly(
                        DemoMetrics.BY_VERSION, "none", DemoMetrics.BY_CODE, "none");

                String url = metrics.urls().get("productpage-v1");
                assertThat(url).endsWith("/stats/prometheus");
                String scrape = get(new OkHttpClient(), url);
                assertThat(scrape).startsWith("200 ")
                        .contains("istio_requests_total{")
                        .contains("destination_version=\"v1\"")
                        .contains("source_workload=\"productpage-v1\"")
                        .contains("envoy_cluster_upstream_rq_retry{cluster_name=\"outbound|9080||"
                                + "reviews.default.svc.cluster.local\"}");
            }
        }
    }

    private static String get(OkHttpClient client, String url) throws IOException {
        try (Response r = client.newCall(new Request.Builder().url(url).build()).execute()) {
            return r.code() + " " + r.body().string();
        }
    }

    /** The engine reports a call's end to listeners right after the application has its response. */
    private static void awaitCounted(DemoMetrics metrics, int calls) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (metrics.counts().requests().values().stream().mapToDouble(Double::doubleValue).sum() < calls) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + calls + " call(s) to be counted");
            }
            Thread.sleep(10);
        }
    }
}
