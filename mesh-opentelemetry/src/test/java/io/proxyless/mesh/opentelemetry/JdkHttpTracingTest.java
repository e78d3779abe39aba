package io.proxyless.mesh.opentelemetry;

import static io.proxyless.mesh.runtime.testing.MeshYaml.endpoint;
import static io.proxyless.mesh.runtime.testing.MeshYaml.serviceEntry;
import static io.proxyless.mesh.runtime.testing.MeshYaml.virtualService;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.sdk.trace.data.SpanData;
import io.proxyless.mesh.jdkhttp.MeshHttpClient;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.testing.HttpUpstream;
import io.proxyless.mesh.runtime.testing.MeshYaml;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JDK's HttpClient through a traced mesh: the same spans and headers as OkHttp's, from the same engine. */
class JdkHttpTracingTest {
    @TempDir
    Path dir;

    @Test
    void eachAttemptOfAJdkClientCallCarriesItsSpanAndTheCallsRequestId() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        try (Tracing tracing = new Tracing();
             HttpUpstream v1 = HttpUpstream.start("v1", r -> requests.incrementAndGet() == 1
                     ? HttpUpstream.Reply.of(503, "busy") : HttpUpstream.Reply.of(200, "v1"));
             Mesh mesh = MeshYaml.mesh(dir, serviceEntry("reviews", 9080, endpoint(v1, "")),
                     virtualService("reviews", """
                             - route: [{destination: {host: reviews}}]
                               retries: {attempts: 2, retryOn: 5xx}
                             """));
             MeshTracing traced = MeshTracing.bindTo(mesh, tracing.otel)) {
            MeshHttpClient client = MeshHttpClient.builder(HttpClient.newHttpClient(), mesh).build();

            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://reviews:9080/r"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);

            Tracing.Tree tree = tracing.call();
            assertThat(tree.attempts()).hasSize(2);
            assertThat(tree.call().getAttributes().asMap()).containsEntry(MeshAttributes.RETRY_COUNT, 1L)
                    .containsEntry(MeshAttributes.HTTP_RESPONSE_STATUS_CODE, 200L);
            List<HttpUpstream.Received> seen = List.copyOf(v1.recorded);
            assertThat(seen).hasSize(2);
            for (int i = 0; i < 2; i++) {
                SpanData attempt = tree.attempts().get(i);
                assertThat(seen.get(i).values("traceparent")).containsExactly(Tracing.traceparent(attempt));
                assertThat(seen.get(i).header("x-b3-spanid")).isEqualTo(attempt.getSpanId());
            }
            assertThat(seen.get(0).header("x-request-id")).matches(Tracing.UUID)
                    .isEqualTo(seen.get(1).header("x-request-id"));
        }
    }
}
