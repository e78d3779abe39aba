package io.proxyless.mesh.jdkhttp;

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
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retries, replayed bodies and outlier detection against real failing endpoints, with the JDK client. */
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
    void aRefusingEndpointCausesNoFailuresUnderTheDefaultPolicy() throws Exception {
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
    void a503EndpointIsRetriedUnderRetryOn5xxAndTheBodyIsSentAgain() throws Exception {
        try (Harness h = new Harness()) {
            HttpUpstream ok = h.upstream("ok", r -> HttpUpstream.Reply.of(200, "ok " + r.bodyText()));
            HttpUpstream down = h.upstream("down", r -> unavailable());
            h.start(dir, serviceEntry("reviews", 9080, endpoint(ok, ""), endpoint(down, "")),
                    virtualService("reviews", """
                            - route: [{destination: {host: reviews}}]
                              retries: {attempts: 2, retryOn: 5xx}
                            """));
            for (int i = 0; i < 100; i++) {
                HttpRequest post = HttpRequest.newBuilder(URI.create("http://reviews:9080/"))
                        .POST(HttpRequest.BodyPublishers.ofString("body " + i)).build();
                assertThat(h.client.send(post, BodyHandlers.ofString()).body()).isEqualTo("ok body " + i);
            }
            assertThat(down.count()).isPositive();
            assertThat(down.recorded).allSatisfy(r -> assertThat(r.bodyText()).startsWith("body "));
        }
    }

    @Test
    void theMeshListenerSeesACallsEndWithItsCodeFlagsAttemptsAndBytes() throws Exception {
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
            io.proxyless.mesh.runtime.testing.Await.until("the call's end", () -> ends.size() == 1);
            assertThat(ends).containsExactly("http COMPLETED 503 URX attempts 2 bytes 4 "
                    + "outbound|9080||reviews.default.svc.cluster.local " + down.port());
        }
    }

    @Test
    void theDefaultPolicyPassesA503Through() throws Exception {
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
    void attemptsZeroTurnsRetriesOffSoFailuresShowNamingClusterAttemptsAndFlags() throws Exception {
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
                    failures++;
                    assertThat(e.cluster()).isEqualTo("outbound|9080||reviews.default.svc.cluster.local");
                    assertThat(e.attempts()).isEqualTo(1);
                    assertThat(e.responseFlags()).contains("UF");
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.getMessage()).contains("127.0.0.1:" + dead);
                    assertThat(e).hasCauseInstanceOf(ConnectException.class);
                }
            }
            assertThat(failures).isPositive();
        }
    }

    @Test
    void aBodyOfUnknownLengthIsSentOnceAndNotRetried() throws Exception {
        try (Harness h = new Harness()) {
            int dead = HttpUpstream.deadPort();
            Attempts attempts = new Attempts();
            h.start(dir, b -> b.listener(attempts), serviceEntry("reviews", 9080, endpoint(dead, "")));
            AtomicInteger streams = new AtomicInteger();
            HttpRequest post = HttpRequest.newBuilder(URI.create("http://reviews:9080/"))
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> {
                        streams.incrementAndGet();
                        return new ByteArrayInputStream("once".getBytes(StandardCharsets.UTF_8));
                    })).build();
            assertThatThrownBy(() -> h.client.send(post, BodyHandlers.ofString()))
                    .isInstanceOf(MeshUpstreamException.class);
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
                try {
                    failures += h.call("http://reviews:9080/").statusCode() == 200 ? 0 : 1;
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
