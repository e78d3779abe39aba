package io.proxyless.mesh.okhttp;

import static io.proxyless.mesh.runtime.testing.MeshYaml.destinationRule;
import static io.proxyless.mesh.runtime.testing.MeshYaml.endpoint;
import static io.proxyless.mesh.runtime.testing.MeshYaml.serviceEntry;
import static io.proxyless.mesh.runtime.testing.MeshYaml.virtualService;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proxyless.mesh.runtime.call.MeshUpstreamException;
import io.proxyless.mesh.runtime.event.AttemptView;
import io.proxyless.mesh.runtime.event.CallView;
import io.proxyless.mesh.runtime.event.MeshListener;
import io.proxyless.mesh.runtime.event.ResponseFlag;
import io.proxyless.mesh.runtime.health.OutlierDetector;
import io.proxyless.mesh.runtime.testing.HttpUpstream;
import io.proxyless.mesh.runtime.testing.MeshYaml;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retries and outlier detection against real failing endpoints. */
class RetryTest {
    @TempDir
    Path dir;

    /** Counts attempts per endpoint port. */
    static final class Attempts implements MeshListener {
        final Map<Integer, AtomicInteger> byPort = new ConcurrentHashMap<>();
        final AtomicInteger retries = new AtomicInteger();

        @Override
        public void attemptStarted(CallView call, AttemptView attempt) {
            byPort.computeIfAbsent(attempt.endpoint().port(), p -> new AtomicInteger()).incrementAndGet();
        }

        @Override
        public void retrying(CallView call, AttemptView failed, int retry, java.time.Duration backoff) {
            retries.incrementAndGet();
        }

        int to(int port) {
            AtomicInteger n = byPort.get(port);
            return n == null ? 0 : n.get();
        }
    }

    private static HttpUpstream.Reply unavailable() {
        return HttpUpstream.Reply.of(503, "down");
    }

    @Test
    void aRefusingEndpointCausesNoFailuresUnderTheDefaultPolicy() throws IOException {
        try (Harness h = new Harness()) {
            HttpUpstream ok = h.upstream("ok");
            int dead = HttpUpstream.deadPort();
            Attempts attempts = new Attempts();
            h.start(dir, b -> b.listener(attempts),
                    serviceEntry("reviews", 9080, endpoint(ok, ""), endpoint(dead, "")));
            for (int i = 0; i < 200; i++) {
                assertThat(h.get("http://reviews:9080/")).isEqualTo("200 ok");
            }
            assertThat(attempts.to(dead)).as("the refusing endpoint was tried").isPositive();
            assertThat(attempts.retries.get()).isEqualTo(attempts.to(dead));
            assertThat(ok.count()).isEqualTo(200);
        }
    }

    @Test
    void anUpstreamThatRefusesEveryAttemptFailsWithAMeshExceptionNamingClusterAttemptsAndFlags() {
        try (Harness h = new Harness()) {
            int dead = HttpUpstream.deadPort();
            h.start(dir, serviceEntry("reviews", 9080, endpoint(dead, "")));

            // Istio's default retry policy: 2 retries on connect-failure, so 3 attempts, then a sidecar's 503.
            assertThatThrownBy(() -> h.get("http://reviews:9080/"))
                    .isInstanceOfSatisfying(MeshUpstreamException.class, e -> {
                        assertThat(e.status()).isEqualTo(503);
                        assertThat(e.host()).isEqualTo("reviews.default.svc.cluster.local");
                        assertThat(e.cluster()).isEqualTo("outbound|9080||reviews.default.svc.cluster.local");
                        assertThat(e.attempts()).isEqualTo(3);
                        assertThat(e.responseFlags()).isEqualTo("UF,URX");
                        assertThat(e.getMessage()).contains("127.0.0.1:" + dead, "3 attempt(s)", "UF,URX");
                    })
                    .hasCauseInstanceOf(ConnectException.class);
        }
    }

    @Test
    void a503EndpointIsRetriedUnderRetryOn5xx() throws IOException {
        try (Harness h = new Harness()) {
            HttpUpstream ok = h.upstream("ok");
            HttpUpstream down = h.upstream("down", r -> unavailable());
            h.start(dir, serviceEntry("reviews", 9080, endpoint(ok, ""), endpoint(down, "")),
                    virtualService("reviews", """
                            - route: [{destination: {host: reviews}}]
                              retries: {attempts: 2, retryOn: 5xx}
                            """));
            for (int i = 0; i < 200; i++) {
                assertThat(h.get("http://reviews:9080/")).isEqualTo("200 ok");
            }
            assertThat(down.count()).isPositive();
        }
    }

    @Test
    void everyAttemptCarriesTheRewrittenPathAuthorityAndHeadersWhateverEndpointItGoesTo() throws IOException {
        try (Harness h = new Harness()) {
            HttpUpstream down = h.upstream("down", r -> unavailable());
            HttpUpstream ok = h.upstream("ok");
            h.start(dir, serviceEntry("reviews", 9080, endpoint(down, ""), endpoint(ok, "")),
                    destinationRule("reviews", "trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}"),
                    virtualService("reviews", """
                            - match: [{uri: {prefix: /api}}]
                              rewrite: {uri: /v2, authority: reviews-internal:9080}
                              headers:
                                request: {set: {x-route: canary}, add: {x-trace: mesh}, remove: [x-secret]}
                              route: [{destination: {host: reviews}}]
                              retries: {attempts: 3, retryOn: 5xx}
                            """));
            for (int i = 0; i < 6; i++) {
                Request request = new Request.Builder().url("http://reviews:9080/api/items/" + i + "?q=" + i)
                        .header("x-secret", "s").header("x-trace", "app").build();
                try (Response r = h.client().newCall(request).execute()) {
                    assertThat(r.code() + " " + r.body().string()).isEqualTo("200 ok");
                    assertThat(r.request().url().toString()).as("the application sees its own request")
                            .isEqualTo("http://reviews:9080/api/items/" + i + "?q=" + i);
                }
            }
            assertThat(down.count()).as("round robin sends some first attempts to the failing endpoint").isPositive();
            List<HttpUpstream.Received> attempts = new java.util.ArrayList<>(down.recorded);
            attempts.addAll(ok.recorded);
            assertThat(ok.recorded).hasSize(6);
            for (HttpUpstream.Received seen : attempts) {
                assertThat(seen.target()).matches("/v2/items/\\d\\?q=\\d");
                assertThat(seen.header("Host")).isEqualTo("reviews-internal:9080");
                assertThat(seen.header("x-route")).isEqualTo("canary");
                assertThat(seen.values("x-trace")).containsExactly("app", "mesh");
                assertThat(seen.header("x-secret")).isNull();
            }
        }
    }

    @Test
    void theMeshListenerSeesACallsEndWithItsCodeFlagsAttemptsAndBytes() throws IOException {
        try (Harness h = new Harness()) {
            HttpUpstream down = h.upstream("down", r -> unavailable());
            List<String> ends = new CopyOnWriteArrayList<>();
            MeshListener listener = new MeshListener() {
                @Override
                public void callFinished(CallView call) {
                    ends.add(call.protocol() + " " + call.end() + " " + call.responseCode() + " "
                            + ResponseFlag.format(call.responseFlags()) + " attempts " + call.attempts()
                            + " bytes " + call.responseBytes() + " " + call.clusterKey()
                            + " " + call.lastAttempt().endpoint().port());
                }
            };
            h.start(dir, b -> b.listener(listener), serviceEntry("reviews", 9080, endpoint(down, "")),
                    virtualService("reviews", """
                            - route: [{destination: {host: reviews}}]
                              retries: {attempts: 1, retryOn: 5xx}
                            """));
            assertThat(h.get("http://reviews:9080/")).isEqualTo("503 down");
            // The end is reported on the engine's executor once the body is closed, not before get() returns.
            Harness.await("the end of the call to be reported", () -> !ends.isEmpty());
            assertThat(ends).containsExactly("http COMPLETED 503 URX attempts 2 bytes 4 "
                    + "outbound|9080||reviews.default.svc.cluster.local " + down.port());
        }
    }

    @Test
    void theDefaultPolicyPassesA503Through() throws IOException {
        try (Harness h = new Harness()) {
            HttpUpstream ok = h.upstream("ok");
            HttpUpstream down = h.upstream("down", r -> unavailable());
            h.start(dir, serviceEntry("reviews", 9080, endpoint(ok, ""), endpoint(down, "")));
            int unavailable = 0;
            for (int i = 0; i < 200; i++) {
                unavailable += h.get("http://reviews:9080/").equals("503 down") ? 1 : 0;
            }
            assertThat(unavailable).as("Istio >= 1.24 does not retry 503 by default").isPositive();
            assertThat(unavailable).isEqualTo(down.count());
        }
    }

    @Test
    void attemptsZeroTurnsRetriesOffSoFailuresShow() {
        try (Harness h = new Harness()) {
            HttpUpstream ok = h.upstream("ok");
            int dead = HttpUpstream.deadPort();
            h.start(dir, serviceEntry("reviews", 9080, endpoint(ok, ""), endpoint(dead, "")),
                    virtualService("reviews", """
                            - route: [{destination: {host: reviews}}]
                              retries: {attempts: 0}
                            """));
            int failures = 0;
            for (int i = 0; i < 100; i++) {
                try {
                    h.get("http://reviews:9080/");
                } catch (MeshUpstreamException e) {
                    assertThat(e).hasCauseInstanceOf(ConnectException.class);
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.attempts()).isEqualTo(1);
                    assertThat(e.responseFlags()).isEqualTo("UF");
                    assertThat(e.cluster()).isEqualTo("outbound|9080||reviews.default.svc.cluster.local");
                    failures++;
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }
            assertThat(failures).isPositive();
        }
    }

    @Test
    void aBodyThatCanBeSentOnlyOnceIsNotRetried() {
        try (Harness h = new Harness()) {
            int dead = HttpUpstream.deadPort();
            h.start(dir, serviceEntry("reviews", 9080, endpoint(dead, "")));
            AtomicInteger writes = new AtomicInteger();
            RequestBody oneShot = new RequestBody() {
                @Override
                public MediaType contentType() {
                    return MediaType.get("text/plain");
                }

                @Override
                public void writeTo(BufferedSink sink) throws IOException {
                    writes.incrementAndGet();
                    sink.writeUtf8("once");
                }

                @Override
                public boolean isOneShot() {
                    return true;
                }
            };
            Attempts attempts = new Attempts();
            h.interceptor.close();
            h.start(h.mesh, b -> b.listener(attempts));
            assertThatThrownBy(() -> h.client.newCall(new Request.Builder().url("http://reviews:9080/")
                    .post(oneShot).build()).execute()).isInstanceOf(MeshUpstreamException.class)
                    .hasCauseInstanceOf(ConnectException.class);
            assertThat(attempts.to(dead)).isEqualTo(1);
            assertThat(attempts.retries.get()).isZero();
        }
    }

    @Test
    void killingAnEndpointMidLoadGetsItEjectedByOutlierDetection() throws Exception {
        try (Harness h = new Harness()) {
            HttpUpstream a = h.upstream("a");
            HttpUpstream b = h.upstream("b");
            Attempts attempts = new Attempts();
            h.start(dir, x -> x.listener(attempts),
                    serviceEntry("reviews", 9080, endpoint(a, ""), endpoint(b, "")),
                    destinationRule("reviews", """
                            trafficPolicy:
                              loadBalancer: {simple: ROUND_ROBIN}
                              outlierDetection:
                                consecutive5xxErrors: 3
                                interval: 1s
                                baseEjectionTime: 30s
                                maxEjectionPercent: 50
                            """));
            int failures = 0;
            for (int i = 0; i < 400; i++) {
                if (i == 100) {
                    b.close(); // killed mid-load
                }
                try (Response r = h.call("http://reviews:9080/")) {
                    failures += r.code() == 200 ? 0 : 1;
                    r.body().string();
                } catch (IOException e) {
                    failures++;
                }
            }
            int attemptsToB = attempts.to(b.port());
            OutlierDetector.Snapshot od = h.mesh.snapshot().clusters()
                    .get("outbound|9080||reviews.default.svc.cluster.local").outlier().snapshot();
            assertThat(od.ejectedCount()).as("%s", od).isEqualTo(1);
            assertThat(od.endpoints().stream().filter(OutlierDetector.EndpointHealth::ejected)
                    .map(e -> e.endpoint().port())).containsExactly(b.port());
            assertThat(failures).as("connect failures are retried on the other endpoint").isZero();
            for (int i = 0; i < 100; i++) {
                assertThat(h.get("http://reviews:9080/")).isEqualTo("200 a");
            }
            assertThat(attempts.to(b.port())).as("no attempt reaches an ejected endpoint")
                    .isEqualTo(attemptsToB);
        }
    }
}
