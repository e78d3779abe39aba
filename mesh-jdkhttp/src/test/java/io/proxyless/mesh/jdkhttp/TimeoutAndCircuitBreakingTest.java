package io.proxyless.mesh.jdkhttp;

import static io.proxyless.mesh.runtime.testing.MeshYaml.destinationRule;
import static io.proxyless.mesh.runtime.testing.MeshYaml.endpoint;
import static io.proxyless.mesh.runtime.testing.MeshYaml.serviceEntry;
import static io.proxyless.mesh.runtime.testing.MeshYaml.virtualService;
import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.runtime.call.MeshException;
import io.proxyless.mesh.runtime.call.MeshOverflowException;
import io.proxyless.mesh.runtime.call.MeshTimeoutException;
import io.proxyless.mesh.runtime.health.ConnectionPool;
import io.proxyless.mesh.runtime.testing.Await;
import io.proxyless.mesh.runtime.testing.FakeClock;
import io.proxyless.mesh.runtime.testing.HttpUpstream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Route, per-try and caller timeouts on the mesh clock, and circuit breaking, against slow upstreams, with the
 * JDK client. The client is asynchronous: a test starts a call with {@code sendAsync} and moves the fake clock.
 */
class TimeoutAndCircuitBreakingTest {
    @TempDir
    Path dir;

    private final FakeClock clock = new FakeClock();

    /** An upstream that answers only when the test lets it. */
    private static Function<HttpUpstream.Received, HttpUpstream.Reply> held(CountDownLatch release) {
        return r -> {
            await(release);
            return HttpUpstream.Reply.of(200, "late");
        };
    }

    private static void await(CountDownLatch release) {
        try {
            release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static CompletableFuture<HttpResponse<String>> send(Harness h, String url) {
        return h.client.sendAsync(Harness.request(url), BodyHandlers.ofString());
    }

    /**
     * Waits until {@code call} is done or the mesh has a timer due within {@code window}; in the latter case moves
     * the clock by {@code window}. Timers further away (a per-try timeout of a try still in flight) stay pending.
     */
    private void runTimersDueWithin(Future<?> call, Duration window) {
        Await.until("the call to end or a timer due within " + window, () -> call.isDone()
                || clock.pendingDueTimes().stream().anyMatch(due -> due - clock.nanoTime() <= window.toNanos()));
        if (!call.isDone()) {
            clock.advance(window);
        }
    }

    private static Throwable failureOf(Future<?> call) throws InterruptedException {
        try {
            call.get(10, TimeUnit.SECONDS);
            throw new AssertionError("the call succeeded");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            throw new AssertionError("the call hangs", e);
        }
    }

    @Test
    void aHalfSecondRouteTimeoutFailsTheCallWhenTheMeshClockGetsThereNamingTheRoute() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (Harness h = new Harness()) {
            HttpUpstream slow = h.upstream("slow", held(release));
            h.start(dir, clock, serviceEntry("reviews", 9080, endpoint(slow, "")),
                    virtualService("reviews", """
                            - name: slow-route
                              route: [{destination: {host: reviews}}]
                              timeout: 0.5s
                            """));
            try {
                CompletableFuture<HttpResponse<String>> call = send(h, "http://reviews:9080/");
                Await.until("the call to reach the upstream", () -> slow.count() == 1);
                clock.advance(Duration.ofMillis(499));
                assertThat(call.isDone()).isFalse();
                clock.advance(Duration.ofMillis(1));
                assertThat(failureOf(call)).isInstanceOfSatisfying(MeshTimeoutException.class, e -> {
                    assertThat(e.timeout()).isEqualTo(Duration.ofMillis(500));
                    assertThat(e.perTry()).isFalse();
                    assertThat(e.status()).isEqualTo(504);
                    assertThat(e.route()).isEqualTo("default/reviews http[0] (slow-route)");
                    assertThat(e.getMessage()).contains("route timeout 500ms").contains("slow-route")
                            .contains("reviews.default.svc.cluster.local");
                });
            } finally {
                release.countDown();
            }
        }
    }

    @Test
    void theRequestsOwnTimeoutBoundsTheWholeCallOnTheMeshClock() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (Harness h = new Harness()) {
            HttpUpstream slow = h.upstream("slow", held(release));
            h.start(dir, clock, serviceEntry("reviews", 9080, endpoint(slow, "")));
            try {
                CompletableFuture<HttpResponse<String>> call = h.client.sendAsync(HttpRequest.newBuilder(
                        URI.create("http://reviews:9080/")).timeout(Duration.ofSeconds(2)).build(),
                        BodyHandlers.ofString());
                Await.until("the call to reach the upstream", () -> slow.count() == 1);
                clock.advance(Duration.ofMillis(1999));
                assertThat(call.isDone()).isFalse();
                clock.advance(Duration.ofMillis(1));
                assertThat(failureOf(call)).isInstanceOf(HttpTimeoutException.class)
                        .isNotInstanceOf(MeshException.class);
            } finally {
                release.countDown();
            }
        }
    }

    @Test
    void theRouteTimeoutCoversTheResponseBody() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (Harness h = new Harness()) {
            HttpUpstream trickle = h.upstream("trickle", r -> HttpUpstream.Reply.of(200, "slow body")
                    .bodyAfter(() -> await(release)));
            h.start(dir, clock, serviceEntry("reviews", 9080, endpoint(trickle, "")),
                    virtualService("reviews", """
                            - route: [{destination: {host: reviews}}]
                              timeout: 400ms
                            """));
            try {
                HttpResponse<InputStream> r = h.client.send(Harness.request("http://reviews:9080/"),
                        BodyHandlers.ofInputStream());
                assertThat(r.statusCode()).isEqualTo(200);
                clock.advance(Duration.ofMillis(400)); // the body has not come yet
                try (InputStream body = r.body()) {
                    org.assertj.core.api.Assertions.assertThatThrownBy(body::readAllBytes)
                            .isInstanceOf(IOException.class)
                            .satisfies(e -> assertThat(causes(e)).anyMatch(MeshTimeoutException.class::isInstance));
                }
            } finally {
                release.countDown();
            }
        }
    }

    private static List<Throwable> causes(Throwable e) {
        List<Throwable> all = new ArrayList<>();
        for (Throwable t = e; t != null && !all.contains(t); t = t.getCause()) {
            all.add(t);
        }
        return all;
    }

    @Test
    void theRouteTimeoutBoundsRetriesToo() throws Exception {
        try (Harness h = new Harness()) {
            HttpUpstream down = h.upstream("down", r -> HttpUpstream.Reply.of(503, ""));
            h.start(dir, clock, serviceEntry("reviews", 9080, endpoint(down, "")),
                    virtualService("reviews", """
                            - route: [{destination: {host: reviews}}]
                              timeout: 400ms
                              retries: {attempts: 10, retryOn: 5xx}
                            """));
            CompletableFuture<HttpResponse<String>> call = send(h, "http://reviews:9080/");
            // The route timeout is pending throughout; a backoff is the second timer. Moving only while a backoff
            // waits keeps every try answered.
            for (int ms = 0; ms < 400 && !call.isDone(); ms += 5) {
                Await.until("a backoff or the end of the call", () -> call.isDone() || clock.pendingTimers() > 1);
                clock.advance(Duration.ofMillis(5));
            }
            assertThat(failureOf(call)).isInstanceOfSatisfying(MeshTimeoutException.class,
                    e -> assertThat(e.perTry()).isFalse());
            assertThat(down.count()).as("fewer tries than the retry policy allows").isBetween(1, 10);
        }
    }

    @Test
    void aPerTryTimeoutMovesTheCallToAnotherEndpoint() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (Harness h = new Harness()) {
            HttpUpstream slow = h.upstream("slow", held(release));
            HttpUpstream fast = h.upstream("fast");
            h.start(dir, clock, serviceEntry("reviews", 9080, endpoint(slow, ""), endpoint(fast, "")),
                    destinationRule("reviews", "trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}"),
                    virtualService("reviews", """
                            - route: [{destination: {host: reviews}}]
                              retries: {attempts: 2, perTryTimeout: 200ms, retryOn: reset}
                            """));
            try {
                for (int i = 0; i < 6; i++) {
                    int slowBefore = slow.count();
                    CompletableFuture<HttpResponse<String>> call = send(h, "http://reviews:9080/");
                    Await.until("an answer or a try held by the slow endpoint",
                            () -> call.isDone() || slow.count() > slowBefore);
                    if (!call.isDone()) {
                        runTimersDueWithin(call, Duration.ofMillis(200)); // the held try's per-try timeout
                        runTimersDueWithin(call, Duration.ofMillis(25)); // the backoff before the retry, if any
                    }
                    assertThat(call.get(10, TimeUnit.SECONDS).body()).isEqualTo("fast");
                }
            } finally {
                release.countDown();
            }
            assertThat(slow.count()).isPositive();
        }
    }

    @Test
    void aPerTryTimeoutOnTheLastTryNamesThePerTryTimeout() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (Harness h = new Harness()) {
            HttpUpstream slow = h.upstream("slow", held(release));
            h.start(dir, clock, serviceEntry("reviews", 9080, endpoint(slow, "")),
                    virtualService("reviews", """
                            - route: [{destination: {host: reviews}}]
                              retries: {attempts: 1, perTryTimeout: 150ms, retryOn: connect-failure}
                            """));
            try {
                CompletableFuture<HttpResponse<String>> call = send(h, "http://reviews:9080/");
                Await.until("the call to reach the upstream", () -> slow.count() == 1);
                Await.until("the per-try timer", () -> clock.pendingTimers() == 1);
                clock.advance(Duration.ofMillis(149));
                assertThat(call.isDone()).as("done before its per-try timeout").isFalse();
                clock.advance(Duration.ofMillis(1));
                assertThat(failureOf(call)).isInstanceOfSatisfying(MeshTimeoutException.class, e -> {
                    assertThat(e.perTry()).isTrue();
                    assertThat(e.timeout()).isEqualTo(Duration.ofMillis(150));
                });
            } finally {
                release.countDown();
            }
        }
    }

    /**
     * The upstream holds every request until all callers have been admitted or refused, so exactly
     * maxConnections + http1MaxPendingRequests calls are in flight at once whatever the threads' speed.
     */
    @Test
    void concurrentCallersBeyondTheConnectionPoolLimitsGetOverflowErrorsAndNothingHangs() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (Harness h = new Harness()) {
            HttpUpstream slow = h.upstream("slow", held(release));
            h.start(dir, serviceEntry("reviews", 9080, endpoint(slow, "")),
                    destinationRule("reviews", """
                            trafficPolicy:
                              connectionPool:
                                tcp: {maxConnections: 1}
                                http: {http1MaxPendingRequests: 1}
                            """));
            try {
                List<CompletableFuture<HttpResponse<String>>> results = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    results.add(send(h, "http://reviews:9080/"));
                }
                Await.until("two calls held by the upstream and eight refused", () -> slow.count() == 2
                        && results.stream().filter(Future::isDone).count() == 8);
                release.countDown();
                int ok = 0;
                int overflow = 0;
                for (CompletableFuture<HttpResponse<String>> f : results) {
                    try {
                        ok += f.get(10, TimeUnit.SECONDS).body().equals("late") ? 1 : 0; // nothing hangs
                    } catch (ExecutionException e) {
                        assertThat(e.getCause()).isInstanceOfSatisfying(MeshOverflowException.class, o -> {
                            assertThat(o.overflow()).isEqualTo(ConnectionPool.Overflow.PENDING_REQUESTS);
                            assertThat(o.status()).isEqualTo(503);
                            assertThat(o.getMessage()).contains("http1MaxPendingRequests")
                                    .contains("outbound|9080||reviews.default.svc.cluster.local");
                        });
                        overflow++;
                    }
                }
                assertThat(ok).as("calls within maxConnections + http1MaxPendingRequests").isEqualTo(2);
                assertThat(overflow).isEqualTo(8);
            } finally {
                release.countDown();
            }
            Await.until("every permit returned", () -> h.mesh.snapshot().clusters()
                    .get("outbound|9080||reviews.default.svc.cluster.local").pool().activeRequests() == 0);
        }
    }
}
