package io.proxyless.mesh.opentelemetry;

import static io.proxyless.mesh.runtime.testing.MeshYaml.endpoint;
import static io.proxyless.mesh.runtime.testing.MeshYaml.serviceEntry;
import static io.proxyless.mesh.runtime.testing.MeshYaml.subsetsV1V2;
import static io.proxyless.mesh.runtime.testing.MeshYaml.virtualService;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.proxyless.mesh.okhttp.MeshInterceptor;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.testing.Await;
import io.proxyless.mesh.runtime.testing.FakeClock;
import io.proxyless.mesh.runtime.testing.HttpUpstream;
import io.proxyless.mesh.runtime.testing.MeshYaml;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OkHttp calls through a traced mesh, against real upstreams on 127.0.0.1: the span tree, its attributes, and the
 * trace context and {@code x-request-id} each attempt's request carried to the server.
 */
class OkHttpTracingTest {
    private static final String REVIEWS = "reviews.default.svc.cluster.local";

    @TempDir
    Path dir;

    private static String get(OkHttpClient client, Request request) throws IOException {
        try (Response r = client.newCall(request).execute()) {
            return r.code() + " " + r.body().string();
        }
    }

    private static String get(OkHttpClient client, String url) throws IOException {
        return get(client, new Request.Builder().url(url).build());
    }

    @Test
    void aRetriedCallIsOneCallSpanWithAnAttemptSpanPerTryAndEachTryCarriesItsOwnContextAndTheSameRequestId()
            throws Exception {
        AtomicInteger requests = new AtomicInteger();
        try (Tracing tracing = new Tracing();
             HttpUpstream v1 = HttpUpstream.start("v1", r -> requests.incrementAndGet() == 1
                     ? HttpUpstream.Reply.of(503, "busy") : HttpUpstream.Reply.of(200, "v1"));
             Mesh mesh = MeshYaml.mesh(dir,
                     serviceEntry("reviews", 9080, endpoint(v1, "labels: {version: v1}")),
                     subsetsV1V2("reviews", ""),
                     virtualService("reviews", """
                             - name: to-v1
                               route: [{destination: {host: reviews, subset: v1}}]
                               retries: {attempts: 2, retryOn: 5xx}
                             """));
             MeshTracing traced = MeshTracing.bindTo(mesh, tracing.otel);
             MeshInterceptor interceptor = MeshInterceptor.create(mesh)) {
            OkHttpClient client = new OkHttpClient.Builder().addInterceptor(interceptor).build();

            assertThat(get(client, "http://reviews:9080/reviews/1?user=jason")).isEqualTo("200 v1");

            Tracing.Tree tree = tracing.call();
            SpanData call = tree.call();
            assertThat(tree.all()).hasSize(3);
            assertThat(call.getParentSpanContext().isValid()).as("no span was current: a root").isFalse();
            assertThat(call.getKind()).isEqualTo(SpanKind.CLIENT);
            assertThat(call.getName()).isEqualTo("GET");
            assertThat(call.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
            assertThat(call.getAttributes().asMap()).containsEntry(MeshAttributes.HTTP_REQUEST_METHOD, "GET")
                    .containsEntry(MeshAttributes.HTTP_RESPONSE_STATUS_CODE, 200L)
                    .containsEntry(MeshAttributes.SERVER_ADDRESS, "reviews")
                    .containsEntry(MeshAttributes.SERVER_PORT, 9080L)
                    .containsEntry(MeshAttributes.URL_FULL, "http://reviews:9080/reviews/1?user=jason")
                    .containsEntry(MeshAttributes.ROUTE, "to-v1")
                    .containsEntry(MeshAttributes.VIRTUAL_SERVICE, "default/reviews")
                    .containsEntry(MeshAttributes.CLUSTER, "outbound|9080|v1|" + REVIEWS)
                    .containsEntry(MeshAttributes.DESTINATION_SERVICE, REVIEWS)
                    .containsEntry(MeshAttributes.SUBSET, "v1")
                    .containsEntry(MeshAttributes.ENDPOINT, "127.0.0.1:" + v1.port())
                    .containsEntry(MeshAttributes.RESPONSE_FLAGS, "-")
                    .containsEntry(MeshAttributes.RESPONSE_CODE_DETAILS, "via_upstream")
                    .containsEntry(MeshAttributes.RETRY_COUNT, 1L);

            assertThat(tree.attempts()).hasSize(2);
            SpanData first = tree.attempts().get(0);
            SpanData retry = tree.attempts().get(1);
            for (SpanData a : tree.attempts()) {
                assertThat(a.getKind()).isEqualTo(SpanKind.CLIENT);
                assertThat(a.getTraceId()).isEqualTo(call.getTraceId());
                assertThat(a.getParentSpanId()).isEqualTo(call.getSpanId());
                assertThat(a.getAttributes().asMap())
                        .containsEntry(MeshAttributes.CLUSTER, "outbound|9080|v1|" + REVIEWS)
                        .containsEntry(MeshAttributes.ENDPOINT, "127.0.0.1:" + v1.port())
                        .containsEntry(MeshAttributes.NETWORK_PEER_ADDRESS, "127.0.0.1")
                        .containsEntry(MeshAttributes.NETWORK_PEER_PORT, (long) v1.port())
                        .containsEntry(MeshAttributes.ENDPOINT_VERSION, "v1");
            }
            assertThat(first.getAttributes().asMap()).containsEntry(MeshAttributes.ATTEMPT, 1L)
                    .containsEntry(MeshAttributes.HTTP_RESPONSE_STATUS_CODE, 503L)
                    .containsEntry(MeshAttributes.ERROR_TYPE, "503")
                    .doesNotContainKey(MeshAttributes.HTTP_REQUEST_RESEND_COUNT);
            assertThat(first.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
            assertThat(retry.getAttributes().asMap()).containsEntry(MeshAttributes.ATTEMPT, 2L)
                    .containsEntry(MeshAttributes.HTTP_REQUEST_RESEND_COUNT, 1L)
                    .containsEntry(MeshAttributes.HTTP_RESPONSE_STATUS_CODE, 200L);
            assertThat(call.getEvents()).extracting(e -> e.getName()).containsExactly("mesh.retry");

            // What the server saw: each try carries its own span as parent, in W3C and B3, and one request id.
            List<HttpUpstream.Received> seen = List.copyOf(v1.recorded);
            assertThat(seen).hasSize(2);
            for (int i = 0; i < 2; i++) {
                SpanData attempt = tree.attempts().get(i);
                HttpUpstream.Received r = seen.get(i);
                assertThat(r.header("traceparent")).isEqualTo(Tracing.traceparent(attempt));
                assertThat(r.header("x-b3-traceid")).isEqualTo(attempt.getTraceId());
                assertThat(r.header("x-b3-spanid")).isEqualTo(attempt.getSpanId());
                assertThat(r.header("x-b3-parentspanid")).isEqualTo(call.getSpanId());
                assertThat(r.header("x-b3-sampled")).isEqualTo("1");
            }
            String requestId = seen.get(0).header("x-request-id");
            assertThat(requestId).matches(Tracing.UUID);
            assertThat(seen.get(1).header("x-request-id")).as("the same id on the retry").isEqualTo(requestId);
            assertThat(call.getAttributes().get(MeshAttributes.HTTP_REQUEST_HEADER_X_REQUEST_ID))
                    .containsExactly(requestId);
        }
    }

    @Test
    void theApplicationsSpanIsTheParentAndItsRequestIdIsKept() throws Exception {
        try (Tracing tracing = new Tracing();
             HttpUpstream v1 = HttpUpstream.start("v1");
             Mesh mesh = MeshYaml.mesh(dir, serviceEntry("reviews", 9080, endpoint(v1, "labels: {version: v1}")));
             MeshTracing traced = MeshTracing.bindTo(mesh, tracing.otel);
             MeshInterceptor interceptor = MeshInterceptor.create(mesh)) {
            OkHttpClient client = new OkHttpClient.Builder().addInterceptor(interceptor).build();

            Span app = tracing.otel.getTracer("app").spanBuilder("GET /productpage").startSpan();
            try (Scope ignored = app.makeCurrent()) {
                assertThat(get(client, new Request.Builder().url("http://reviews:9080/")
                        .header("x-request-id", "abc-123").build())).isEqualTo("200 v1");
            } finally {
                app.end();
            }

            Tracing.Tree tree = tracing.call();
            assertThat(tree.call().getParentSpanId()).isEqualTo(app.getSpanContext().getSpanId());
            assertThat(tree.call().getTraceId()).isEqualTo(app.getSpanContext().getTraceId());
            assertThat(tree.call().getAttributes().asMap()).containsEntry(MeshAttributes.ROUTE, "default")
                    .containsEntry(MeshAttributes.CLUSTER, "outbound|9080||" + REVIEWS)
                    .containsEntry(MeshAttributes.RETRY_COUNT, 0L)
                    .doesNotContainKey(MeshAttributes.SUBSET);
            HttpUpstream.Received r = v1.recorded.peek();
            assertThat(r.values("x-request-id")).containsExactly("abc-123");
            assertThat(r.header("traceparent")).isEqualTo(Tracing.traceparent(tree.attempts().get(0)));
        }
    }

    @Test
    void aTraceContextTheRequestCarriesIsContinuedWhenNoSpanIsCurrent() throws Exception {
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        try (Tracing tracing = new Tracing();
             HttpUpstream v1 = HttpUpstream.start("v1");
             Mesh mesh = MeshYaml.mesh(dir, serviceEntry("reviews", 9080, endpoint(v1, "")));
             MeshTracing traced = MeshTracing.bindTo(mesh, tracing.otel);
             MeshInterceptor interceptor = MeshInterceptor.create(mesh)) {
            OkHttpClient client = new OkHttpClient.Builder().addInterceptor(interceptor).build();

            get(client, new Request.Builder().url("http://reviews:9080/")
                    .header("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01").build());
            Tracing.Tree w3c = tracing.call();
            assertThat(w3c.call().getTraceId()).isEqualTo(traceId);
            assertThat(w3c.call().getParentSpanId()).isEqualTo("00f067aa0ba902b7");
            assertThat(v1.recorded.poll().values("traceparent")).as("replaced, not added")
                    .containsExactly(Tracing.traceparent(w3c.attempts().get(0)));

            tracing.exporter.reset();
            get(client, new Request.Builder().url("http://reviews:9080/")
                    .header("X-B3-TraceId", "a3ce929d0e0e4736").header("X-B3-SpanId", "00f067aa0ba902b8")
                    .header("X-B3-Sampled", "1").build());
            Tracing.Tree b3 = tracing.call();
            assertThat(b3.call().getTraceId()).isEqualTo("0000000000000000a3ce929d0e0e4736");
            assertThat(b3.call().getParentSpanId()).isEqualTo("00f067aa0ba902b8");
        }
    }

    @Test
    void aCallTheMeshAnswersItselfIsACallSpanWithoutAttemptsAndACircuitBreakerOverflowIsAnError()
            throws Exception {
        try (Tracing tracing = new Tracing();
             HttpUpstream v1 = HttpUpstream.start("v1");
             Mesh mesh = MeshYaml.mesh(dir,
                     serviceEntry("reviews", 9080, endpoint(v1, "")),
                     MeshYaml.destinationRule("reviews", """
                             trafficPolicy:
                               connectionPool: {http: {http2MaxRequests: 1}}
                             """),
                     virtualService("reviews", """
                             - match: [{uri: {prefix: /missing}}]
                               directResponse: {status: 404}
                             - route: [{destination: {host: reviews}}]
                             """));
             MeshTracing traced = MeshTracing.bindTo(mesh, tracing.otel);
             MeshInterceptor interceptor = MeshInterceptor.create(mesh)) {
            OkHttpClient client = new OkHttpClient.Builder().addInterceptor(interceptor).build();

            assertThat(get(client, "http://reviews:9080/missing")).startsWith("404");
            Tracing.Tree tree = tracing.call();
            assertThat(tree.all()).hasSize(1);
            assertThat(tree.call().getAttributes().asMap())
                    .containsEntry(MeshAttributes.HTTP_RESPONSE_STATUS_CODE, 404L)
                    .containsEntry(MeshAttributes.RESPONSE_CODE_DETAILS, "direct_response")
                    .containsEntry(MeshAttributes.ERROR_TYPE, "404");
            assertThat(tree.call().getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        }
    }

    @Test
    void withoutTracingOrAfterCloseTheRequestIsSentAsTheApplicationMadeIt() throws Exception {
        try (Tracing tracing = new Tracing();
             HttpUpstream v1 = HttpUpstream.start("v1");
             Mesh mesh = MeshYaml.mesh(dir, serviceEntry("reviews", 9080, endpoint(v1, "")));
             MeshInterceptor interceptor = MeshInterceptor.create(mesh)) {
            OkHttpClient client = new OkHttpClient.Builder().addInterceptor(interceptor).build();

            get(client, "http://reviews:9080/");
            MeshTracing.bindTo(mesh, tracing.otel).close();
            get(client, "http://reviews:9080/");

            assertThat(v1.recorded).hasSize(2).allSatisfy(r -> assertThat(r.headers())
                    .doesNotContainKeys("traceparent", "x-b3-traceid", "x-request-id"));
            assertThat(mesh.headerContributors().size()).isZero();
            assertThat(tracing.exporter.getFinishedSpanItems()).isEmpty();
        }
    }

    @Test
    void spanTimesAreTheMeshClocks() throws Exception {
        FakeClock clock = new FakeClock();
        try (Tracing tracing = new Tracing();
             HttpUpstream v1 = HttpUpstream.start("v1");
             Mesh mesh = MeshYaml.mesh(dir, clock, serviceEntry("reviews", 9080, endpoint(v1, "")),
                     virtualService("reviews", """
                             - route: [{destination: {host: reviews}}]
                               fault: {delay: {fixedDelay: 2s, percentage: {value: 100}}}
                             """));
             MeshTracing traced = MeshTracing.bindTo(mesh, tracing.otel);
             MeshInterceptor interceptor = MeshInterceptor.create(mesh)) {
            OkHttpClient client = new OkHttpClient.Builder().addInterceptor(interceptor).build();
            ExecutorService caller = Executors.newSingleThreadExecutor();
            try {
                Future<String> delayed = caller.submit(() -> get(client, "http://reviews:9080/"));
                Await.until("the fault delay timer", () -> clock.pendingTimers() == 1);
                clock.advance(Duration.ofSeconds(2));
                assertThat(delayed.get(10, TimeUnit.SECONDS)).isEqualTo("200 v1");
            } finally {
                caller.shutdownNow();
            }

            Tracing.Tree tree = tracing.call();
            SpanData call = tree.call();
            SpanData attempt = tree.attempts().get(0);
            assertThat(call.getEndEpochNanos() - call.getStartEpochNanos())
                    .as("the fault delay on the mesh clock; the upstream answered while it stood still")
                    .isEqualTo(Duration.ofSeconds(2).toNanos());
            assertThat(attempt.getStartEpochNanos() - call.getStartEpochNanos())
                    .isEqualTo(Duration.ofSeconds(2).toNanos());
            assertThat(attempt.getEndEpochNanos()).isEqualTo(call.getEndEpochNanos());
            assertThat(call.getAttributes().get(MeshAttributes.RESPONSE_FLAGS)).isEqualTo("DI");
        }
    }
}
