package io.proxyless.mesh.micrometer;

import static io.proxyless.mesh.micrometer.Configs.endpoint;
import static io.proxyless.mesh.micrometer.Configs.serviceEntry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.proxyless.mesh.okhttp.MeshInterceptor;
import io.proxyless.mesh.runtime.Mesh;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scrape text of micrometer-registry-prometheus shows Istio's and Envoy's names, labels and buckets exactly as a
 * sidecar's {@code /stats/prometheus} does, for real OkHttp calls through the mesh.
 */
class PrometheusTextTest {
    private static final String REVIEWS = "reviews.default.svc.cluster.local";
    private static final String CLUSTER = "outbound|9080||" + REVIEWS;

    @TempDir
    Path dir;

    private static String get(OkHttpClient client, String url) throws IOException {
        try (Response r = client.newCall(new Request.Builder().url(url).build()).execute()) {
            return r.code() + " " + r.body().string();
        }
    }

    /**
     * The scrape once {@code calls} calls are recorded: the engine reports a call's end to listeners after it
     * hands the result to the application.
     */
    private static Scrape recorded(PrometheusMeterRegistry registry, int calls) {
        Configs.await(calls + " call(s) recorded",
                () -> Scrape.parse(registry.scrape()).sum("istio_requests_total", Map.of()) == calls);
        return Scrape.parse(registry.scrape());
    }

    @Test
    void aRetriedCallIsOneRequestWithIstiosLabelsAndOneEnvoyRetryWithoutTotalSuffix() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (HttpUpstream v1 = HttpUpstream.start("v1", n -> n == 1 ? 503 : 200);
             Mesh mesh = Configs.mesh(dir, serviceEntry("reviews", "HTTP", endpoint(v1.port(), "reviews", "v1")),
                     """
                     apiVersion: networking.istio.io/v1
                     kind: VirtualService
                     metadata: {name: reviews}
                     spec:
                       hosts: [reviews]
                       http:
                       - route: [{destination: {host: reviews}}]
                         retries: {attempts: 2, retryOn: 5xx}
                     """);
             MeshMetrics metrics = MeshMetrics.builder().environment(Configs.POD::get).bindTo(mesh, registry);
             MeshInterceptor interceptor = MeshInterceptor.create(mesh)) {
            OkHttpClient client = new OkHttpClient.Builder().addInterceptor(interceptor).build();

            assertThat(get(client, "http://reviews:9080/reviews/1?user=jason")).isEqualTo("200 v1");

            Scrape scrape = recorded(registry, 1);
            assertThat(scrape.type("istio_requests_total")).isEqualTo("counter");
            assertThat(scrape.find("istio_requests_total", Map.of())).singleElement().satisfies(s -> {
                assertThat(s.value()).as("the retry is not a request").isEqualTo(1.0);
                assertThat(s.labels().keySet()).as("Istio's labels, no more, no less")
                        .containsExactlyInAnyOrderElementsOf(MeshMetrics.LABELS);
                assertThat(s.labels()).containsAllEntriesOf(Map.ofEntries(
                        Map.entry("reporter", "source"),
                        Map.entry("source_workload", "productpage-v1"),
                        Map.entry("source_workload_namespace", "default"),
                        Map.entry("source_principal", "spiffe://cluster.local/ns/default/sa/bookinfo-productpage"),
                        Map.entry("source_app", "productpage"),
                        Map.entry("source_version", "v1"),
                        Map.entry("source_canonical_service", "productpage"),
                        Map.entry("source_canonical_revision", "v1"),
                        Map.entry("source_cluster", "Kubernetes"),
                        Map.entry("destination_service", REVIEWS),
                        Map.entry("destination_service_name", "reviews"),
                        Map.entry("destination_service_namespace", "default"),
                        Map.entry("destination_workload", "unknown"),
                        Map.entry("destination_workload_namespace", "default"),
                        Map.entry("destination_app", "reviews"),
                        Map.entry("destination_version", "v1"),
                        Map.entry("destination_principal", "unknown"),
                        Map.entry("destination_canonical_service", "reviews"),
                        Map.entry("destination_canonical_revision", "v1"),
                        Map.entry("destination_cluster", "unknown"),
                        Map.entry("request_protocol", "http"),
                        Map.entry("response_code", "200"),
                        Map.entry("grpc_response_status", ""),
                        Map.entry("response_flags", "-"),
                        Map.entry("connection_security_policy", "unknown")));
            });
            assertThat(scrape.text()).as("no path or query becomes a label").doesNotContain("/reviews/1")
                    .doesNotContain("jason");

            // Envoy's counter, with Envoy's name: no _total suffix.
            assertThat(scrape.sum("envoy_cluster_upstream_rq_retry", Map.of("cluster_name", CLUSTER))).isEqualTo(1.0);
            assertThat(scrape.text()).doesNotContain("envoy_cluster_upstream_rq_retry_total");
            assertThat(scrape.sum("envoy_cluster_upstream_rq_pending_overflow", Map.of("cluster_name", CLUSTER)))
                    .isZero();
            assertThat(scrape.find("envoy_cluster_outlier_detection_ejections_active",
                    Map.of("cluster_name", CLUSTER))).singleElement().extracting(Scrape.Sample::value).isEqualTo(0.0);

            // Histograms: Istio's (Envoy's default) bucket boundaries, numerically.
            for (String h : new String[] {"istio_request_duration_milliseconds", "istio_request_bytes",
                "istio_response_bytes"}) {
                assertThat(scrape.type(h)).isEqualTo("histogram");
                Set<Double> le = scrape.find(h + "_bucket", Map.of()).stream()
                        .map(s -> s.labels().get("le")).filter(v -> !v.equals("+Inf")).map(Double::valueOf)
                        .collect(Collectors.toSet());
                assertThat(le).as(h).isEqualTo(Arrays.stream(MeshMetrics.BUCKETS).boxed()
                        .collect(Collectors.toCollection(HashSet::new)));
                assertThat(scrape.sum(h + "_count", Map.of())).isEqualTo(1.0);
            }
            assertThat(scrape.sum("istio_response_bytes_sum", Map.of())).isEqualTo(2.0); // "v1"
            assertThat(scrape.text()).as("messages are counted for gRPC only")
                    .doesNotContain("istio_request_messages_total");
        }
    }

    @Test
    void aMirrorCopyIsNotARequestButCountsInTheMirrorClustersStats() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (HttpUpstream v1 = HttpUpstream.start("v1");
             HttpUpstream v2 = HttpUpstream.start("v2");
             Mesh mesh = Configs.mesh(dir, serviceEntry("reviews", "HTTP", endpoint(v1.port(), "reviews", "v1"),
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
                       - route: [{destination: {host: reviews, subset: v1}}]
                         mirror: {host: reviews, subset: v2}
                     """);
             MeshMetrics metrics = MeshMetrics.builder().environment(Configs.POD::get).bindTo(mesh, registry);
             MeshInterceptor interceptor = MeshInterceptor.create(mesh)) {
            OkHttpClient client = new OkHttpClient.Builder().addInterceptor(interceptor).build();

            assertThat(get(client, "http://reviews:9080/")).isEqualTo("200 v1");
            Configs.await("the mirror copy to reach v2", () -> v2.requests.get() == 1);

            Scrape scrape = recorded(registry, 1);
            assertThat(scrape.sum("envoy_cluster_upstream_rq_mirror_sent",
                    Map.of("cluster_name", "outbound|9080|v2|" + REVIEWS))).isEqualTo(1.0);
            assertThat(scrape.find("istio_requests_total", Map.of())).singleElement().satisfies(s -> {
                assertThat(s.value()).isEqualTo(1.0);
                assertThat(s.labels()).containsEntry("destination_version", "v1");
            });
        }
    }

    @Test
    void unknownHostsAndMissingIdentityBecomeIstiosUnknownAndPassthroughClusterNeverTheRawHost() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (HttpUpstream outside = HttpUpstream.start("outside");
             Mesh mesh = Configs.mesh(dir, serviceEntry("reviews", "HTTP", endpoint(outside.port(), "r", "v1")));
             MeshMetrics metrics = MeshMetrics.builder().environment(name -> null).bindTo(mesh, registry);
             MeshInterceptor interceptor = MeshInterceptor.create(mesh)) {
            OkHttpClient client = new OkHttpClient.Builder().addInterceptor(interceptor).build();

            assertThat(get(client, "http://localhost:" + outside.port() + "/x")).isEqualTo("200 outside");

            Scrape scrape = recorded(registry, 1);
            assertThat(scrape.find("istio_requests_total", Map.of())).singleElement().satisfies(s -> {
                assertThat(s.labels()).containsEntry("destination_service", "unknown")
                        .containsEntry("destination_service_name", "PassthroughCluster")
                        .containsEntry("destination_version", "unknown")
                        .containsEntry("source_workload", "unknown")
                        .containsEntry("source_workload_namespace", "default") // the mesh's namespace
                        .containsEntry("source_app", "unknown")
                        .containsEntry("source_canonical_revision", "latest");
                assertThat(s.labels().values()).as("never empty but grpc_response_status").filteredOn(String::isEmpty)
                        .hasSize(1);
            });
            assertThat(scrape.text()).doesNotContain("localhost");
            assertThat(metrics.source().missing()).contains("source_workload (ISTIO_META_WORKLOAD_NAME)");
        }
    }

    @Test
    void aRegistryThatRefusesOrRenamesAnIstioNameFailsAtBindWithTheName() throws Exception {
        try (HttpUpstream v1 = HttpUpstream.start("v1");
             Mesh mesh = Configs.mesh(dir, serviceEntry("reviews", "HTTP", endpoint(v1.port(), "r", "v1")))) {
            SimpleMeterRegistry refusing = new SimpleMeterRegistry();
            refusing.config().meterFilter(new MeterFilter() {
                @Override
                public Meter.Id map(Meter.Id id) {
                    if (id.getName().startsWith("istio_request_bytes")) {
                        throw new IllegalArgumentException("names with 'bytes' are reserved here");
                    }
                    return id;
                }
            });
            assertThatThrownBy(() -> MeshMetrics.builder().source(SourceIdentity.unknown()).bindTo(mesh, refusing))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("refused the metric istio_request_bytes")
                    .hasMessageContaining("names with 'bytes' are reserved here");

            SimpleMeterRegistry renaming = new SimpleMeterRegistry();
            renaming.config().meterFilter(MeterFilter.renameTag("x", "y", "z"))
                    .meterFilter(new MeterFilter() {
                        @Override
                        public Meter.Id map(Meter.Id id) {
                            return id.withName("app." + id.getName());
                        }
                    });
            assertThatThrownBy(() -> MeshMetrics.builder().source(SourceIdentity.unknown()).bindTo(mesh, renaming))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("renamed the metric istio_requests_total to app.istio_requests_total");
            assertThat(mesh.listener()).isNotNull();
        }
    }
}
