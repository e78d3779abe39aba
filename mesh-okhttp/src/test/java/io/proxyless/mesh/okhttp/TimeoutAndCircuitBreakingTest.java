package io.proxyless.mesh.okhttp;

import static io.proxyless.mesh.runtime.testing.MeshYaml.destinationRule;
import static io.proxyless.mesh.runtime.testing.MeshYaml.endpoint;
import static io.proxyless.mesh.runtime.testing.MeshYaml.serviceEntry;
import static io.proxyless.mesh.runtime.testing.MeshYaml.virtualService;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proxyless.mesh.runtime.call.MeshOverflowException;
import io.proxyless.mesh.runtime.call.MeshTimeoutException;
import io.proxyless.mesh.runtime.event.AttemptView;
import io.proxyless.mesh.runtime.event.CallView;
import io.proxyless.mesh.runtime.event.MeshListener;
import io.proxyless.mesh.runtime.health.ConnectionPool;
import io.proxyless.mesh.runtime.testing.FakeClock;
import io.proxyless.mesh.runtime.testing.HttpUpstream;
import io.proxyless.mesh.runtime.testing.MeshYaml;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Route and per-try timeouts, and circuit breaking, against slow upstreams. */
class TimeoutAndCircuitBreakingTest {
    @TempDir
    Path dir;

    private final FakeClock clock = new FakeClock();
    private final ExecutorService caller = Executors.newSingleThreadExecutor();

    @AfterEach
    void stopCaller() {
        caller.shutdownNow();
    }

    /** An upstream that answers only when the test lets it. */
    private static Function<HttpUpstream.Received, HttpUpstream.Reply> held(CountDownLatch release) {
        return r -> {
            awaitQuietly(release);
            return HttpUpstream.Reply.of(200, "late");
        };
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Waits until {@code call} is done or the mesh has a timer due within {@code window}; in the latter case moves
     * the clock by {@code window}. Timers further away (a per-try timeout of a try still in flight) stay pending.
     */
    private void runTimersDueWithin(Future<?> call, Duration window) {
        Harness.await("the call to end or a timer due within " + window, () -> call.isDone()
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
                Future<String> call = caller.submit(() -> h.get("http://reviews:9080/"));
                Harness.await("the call to reach the upstream", () -> slow.count() == 1);
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
    void theRouteTimeoutCoversTheResponseBody() throws IOException {
        CountDownLatch bodySent = new CountDownLatch(1);
        try (Harness h = new Harness()) {
            // The body comes only after the test (far past the mesh's timeout, however slow this machine is).
            HttpUpstream trickle = h.upstream("trickle", r -> HttpUpstream.Reply.of(200, "slow body")
                    .bodyAfter(() -> awaitQuietly(bodySent)));
            h.start(dir, clock, serviceEntry("reviews", 9080, endpoint(trickle, "")),
                    virtualService("reviews", """
                            - route: [{destination: {host: reviews}}]
                              timeout: 400ms
                            """));
            try (okhttp3.Response r = h.call("http://reviews:9080/")) {
                assertThat(r.code()).isEqualTo(200);
                clock.advance(Duration.ofMillis(400)); // the body has not come yet
                assertThatThrownBy(() -> r.body().string()).isInstanceOf(MeshTimeoutException.class);
            }
        } finally {
            bodySent.countDown();
        }
    }

    @Test
    void theRouteTimeoutBoundsRetriesToo() throws Exception {
        try (Harness h = new Harness()) {
            HttpUpstream down = h.upstream("down", r -> HttpUpstream.Reply.of(503, ""));
            h.start(dir, clock, serviceEntry("reviews", 9080, endpoint(down, "")),
                    virtualService("reviews", """
                            - route: [{destination: {host: reviews}}]
                              timeout: 400ms
                              retries: {attempts: 1000, retryOn: 5xx}
                            """));
            // Backoffs are random (Envoy's full jitter, thread-local randomness): with ten attempts their sum could
            // fall under the route timeout and end the call with the last 503. A thousand can't run out first.
            Future<String> call = caller.submit(() -> h.get("http://reviews:9080/"));
            // Each retry waits for its backoff on the mesh clock; move time on until the route timeout ends it.
            // The route timeout is pending throughout; a backoff (under 25 ms for the first retry, growing to at
            // most 250 ms) is the second timer. Moving only while a backoff waits keeps every try answered.
            for (int ms = 0; ms < 400 && !call.isDone(); ms += 5) {
                Harness.await("a backoff or the end of the call", () -> call.isDone() || clock.pendingTimers() > 1);
                clock.advance(Duration.ofMillis(5));
            }
            assertThat(failureOf(call)).isInstanceOfSatisfying(MeshTimeoutException.class,
                    e -> assertThat(e.perTry()).isFalse());
            assertThat(down.count()).as("fewer tries than the retry policy allows").isBetween(1, 999);
        }
    }

    /**
     * OkHttp cannot end one try: the thread sending the held try lets go only when that try's socket returns. The
     * test lets the slow endpoint answer (too late, the answer is dropped) only once the mesh has timed the try
     * out on its clock and moved on, so no wall-clock socket timeout takes part; the per-try timeout, which the
     * tries' socket timeouts carry, is beyond anything this test takes on the wall clock.
     */
    @Test
    void aPerTryTimeoutMovesTheCallToAnotherEndpoint() throws Exception {
        Duration perTry = Duration.ofSeconds(30);
        Semaphore slowAnswers = new Semaphore(0);
        AtomicInteger retries = new AtomicInteger();
        MeshListener retrying = new MeshListener() {
            @Override
            public void retrying(CallView call, AttemptView failed, int retry, Duration backoff) {
                retries.incrementAndGet();
            }
        };
        try (Harness h = new Harness()) {
            HttpUpstream slow = h.upstream("slow", r -> {
                try {
                    slowAnswers.tryAcquire(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return HttpUpstream.Reply.of(200, "late");
            });
            HttpUpstream fast = h.upstream("fast");
            h.start(MeshYaml.mesh(dir, clock, serviceEntry("reviews", 9080, endpoint(slow, ""), endpoint(fast, "")),
                    destinationRule("reviews", "trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}"),
                    virtualService("reviews", """
                            - route: [{destination: {host: reviews}}]
                              retries: {attempts: 2, perTryTimeout: %ds, retryOn: reset}
                            """.formatted(perTry.toSeconds()))), b -> b.listener(retrying));
            try {
                for (int i = 0; i < 6; i++) {
                    int slowBefore = slow.count();
                    int retriesBefore = retries.get();
                    Future<String> call = caller.submit(() -> h.get("http://reviews:9080/"));
                    Harness.await("an answer or a try held by the slow endpoint",
                            () -> call.isDone() || slow.count() > slowBefore);
                    if (!call.isDone()) {
                        runTimersDueWithin(call, perTry); // the held try's per-try timeout
                        Harness.await("the mesh to retry the timed-out try", () -> retries.get() > retriesBefore);
                        slowAnswers.release(); // the held try's thread lets go
                        runTimersDueWithin(call, Duration.ofMillis(25)); // the backoff before the retry, if any
                    }
                    assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo("200 fast");
                }
            } finally {
                slowAnswers.release(100);
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
                Future<String> call = caller.submit(() -> h.get("http://reviews:9080/"));
                Harness.await("the call to reach the upstream", () -> slow.count() == 1);
                Harness.await("the per-try timer", () -> clock.pendingTimers() == 1);
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
            ExecutorService callers = Executors.newFixedThreadPool(10);
            try {
                List<Future<String>> results = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    results.add(callers.submit(() -> {
                        try {
                            return h.get("http://reviews:9080/");
                        } catch (MeshOverflowException e) {
                            assertThat(e.overflow()).isEqualTo(ConnectionPool.Overflow.PENDING_REQUESTS);
                            assertThat(e.status()).isEqualTo(503);
                            assertThat(e.getMessage()).contains("http1MaxPendingRequests")
                                    .contains("outbound|9080||reviews.default.svc.cluster.local");
                            return "overflow";
                        }
                    }));
                }
                Harness.await("two calls held by the upstream and eight refused", () -> slow.count() == 2
                        && results.stream().filter(Future::isDone).count() == 8);
                release.countDown();
                int ok = 0;
                int overflow = 0;
                for (Future<String> f : results) {
                    String r = f.get(10, TimeUnit.SECONDS); // nothing hangs
                    ok += r.equals("200 late") ? 1 : 0;
                    overflow += r.equals("overflow") ? 1 : 0;
                }
                assertThat(ok).as("calls within maxConnections + http1MaxPendingRequests").isEqualTo(2);
                assertThat(overflow).isEqualTo(8);
            } finally {
                release.countDown();
                callers.shutdownNow();
            }
            assertThat(h.mesh.snapshot().clusters().get("outbound|9080||reviews.default.svc.cluster.local")
                    .pool().activeRequests()).as("every permit returned").isZero();
        }
    }
}
