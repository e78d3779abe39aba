package io.proxyless.mesh.grpc;

import static io.proxyless.mesh.grpc.Backend.REVIEWS_CHAT;
import static io.proxyless.mesh.grpc.Backend.REVIEWS_GET;
import static io.proxyless.mesh.grpc.MeshFixture.REVIEWS;
import static io.proxyless.mesh.grpc.MeshFixture.call;
import static io.proxyless.mesh.grpc.MeshFixture.destinationRule;
import static io.proxyless.mesh.grpc.MeshFixture.failure;
import static io.proxyless.mesh.grpc.MeshFixture.mesh;
import static io.proxyless.mesh.grpc.MeshFixture.service;
import static io.proxyless.mesh.grpc.MeshFixture.serviceEntry;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.event.AttemptView;
import io.proxyless.mesh.runtime.event.CallView;
import io.proxyless.mesh.runtime.event.MeshListener;
import io.proxyless.mesh.runtime.event.ResponseFlag;
import io.proxyless.mesh.runtime.health.ConnectionPool;
import io.proxyless.mesh.runtime.testing.FakeClock;
import io.proxyless.mesh.runtime.time.MeshClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retries, timeouts, faults, circuit breaking and outlier detection against real gRPC servers. */
class MeshResilienceTest {
    @TempDir
    Path dir;

    private final List<Backend> backends = new ArrayList<>();
    private Mesh mesh;
    private ManagedChannel channel;
    private MeshClock clock = MeshClock.system();
    private final ExecutorService caller = Executors.newSingleThreadExecutor();

    @BeforeEach
    void startBackends() {
        for (String name : new String[] {"v1", "v2", "v3"}) {
            backends.add(Backend.start(name));
        }
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow();
            channel.awaitTermination(5, TimeUnit.SECONDS);
        }
        if (mesh != null) {
            mesh.close();
        }
        backends.forEach(Backend::close);
        caller.shutdownNow();
    }

    private Backend v(int i) {
        return backends.get(i - 1);
    }

    private ManagedChannel channel(String... yaml) {
        mesh = mesh(dir, false, clock, yaml);
        channel = MeshGrpc.channelBuilder(mesh, REVIEWS + ":9080").build();
        return channel;
    }

    private static String routeWith(String settings) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route:
                    - destination: {host: reviews}
                """ + settings.indent(4);
    }

    @Test
    void retriesHideOneFailingEndpointOfThree() {
        v(2).failWith = Status.UNAVAILABLE.withDescription("v2 is broken");
        channel(service(REVIEWS, v(1), v(2), v(3)),
                routeWith("retries: {attempts: 2, retryOn: unavailable}"));
        for (int i = 0; i < 60; i++) {
            assertThat(call(channel, REVIEWS_GET, "x")).isIn("v1", "v3");
        }
        assertThat(v(2).calls.get()).as("the failing endpoint was tried, and hidden").isPositive();
        assertPermitsReleased();
    }

    @Test
    void anEndpointThatRefusesEveryAttemptFailsWithAStatusNamingClusterAttemptsAndFlags() {
        String config = service(REVIEWS, v(1));
        v(1).close();
        channel(config);

        // Istio's default retry policy retries connect failures twice: 3 attempts, then what a sidecar answers.
        Status status = failure(channel, REVIEWS_GET);

        assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(status.getDescription()).contains("upstream connect error", "cluster outbound|9080||" + REVIEWS,
                "3 attempt(s)", "response flags UF,URX");
    }

    @Test
    void theMeshListenerSeesEveryAttemptAndTheEndOfAGrpcCall() throws InterruptedException {
        v(1).failWith = Status.UNAVAILABLE.withDescription("v1 is broken");
        List<String> events = new CopyOnWriteArrayList<>();
        MeshListener listener = new MeshListener() {
            @Override
            public void attemptFinished(CallView call, AttemptView attempt) {
                events.add("attempt " + attempt.number() + " " + attempt.outcome().grpcStatus());
            }

            @Override
            public void callFinished(CallView call) {
                events.add("end " + call.end() + " grpc " + call.grpcStatus() + " flags "
                        + ResponseFlag.format(call.responseFlags()) + " via " + call.clusterKey());
            }
        };
        mesh = mesh(dir, false, service(REVIEWS, v(1)), routeWith("retries: {attempts: 1, retryOn: unavailable}"));
        channel = MeshGrpc.channelBuilder(mesh, REVIEWS + ":9080").listener(listener).build();
        assertThat(failure(channel, REVIEWS_GET).getDescription()).isEqualTo("v1 is broken");
        // The end is reported right after the application heard it.
        MeshFixture.await("the end of the call to be reported", () -> events.size() == 3);
        assertThat(events).containsExactly("attempt 1 UNAVAILABLE", "attempt 2 UNAVAILABLE",
                "end ATTEMPT_FAILED grpc 14 flags URX via outbound|9080||" + REVIEWS);
    }

    @Test
    void withRetriesOffTheFailingEndpointShows() {
        v(2).failWith = Status.UNAVAILABLE.withDescription("v2 is broken");
        channel(service(REVIEWS, v(1), v(2), v(3)), routeWith("retries: {attempts: 0}"));
        int failures = 0;
        for (int i = 0; i < 60; i++) {
            try {
                call(channel, REVIEWS_GET, "x");
            } catch (StatusRuntimeException e) {
                assertThat(e.getStatus().getDescription()).isEqualTo("v2 is broken");
                failures++;
            }
        }
        assertThat(failures).isPositive();
    }

    @Test
    void retriesReplayTheBufferedRequestStreamOnAnotherEndpoint() throws Exception {
        v(2).failWith = Status.UNAVAILABLE.withDescription("v2 refuses streams");
        channel(service(REVIEWS, v(1), v(2)), routeWith("retries: {attempts: 3, retryOn: unavailable}"));
        for (int i = 0; i < 20; i++) {
            List<String> replies = new CopyOnWriteArrayList<>();
            CompletableFuture<Status> done = new CompletableFuture<>();
            StreamObserver<String> requests = ClientCalls.asyncBidiStreamingCall(
                    channel.newCall(REVIEWS_CHAT, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)),
                    observer(replies, done));
            requests.onNext("a" + i);
            requests.onNext("b" + i);
            requests.onCompleted();
            assertThat(done.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);
            assertThat(replies).containsExactly("v1:a" + i, "v1:b" + i);
        }
        assertThat(v(2).calls.get()).isPositive();
        assertPermitsReleased();
    }

    @Test
    void theRouteTimeoutEndsTheCallWhenTheMeshClockGetsThere() throws Exception {
        FakeClock fake = new FakeClock();
        clock = fake;
        v(1).delayMillis = 5_000;
        channel(service(REVIEWS, v(1)), routeWith("timeout: 200ms"));
        Future<Status> call = caller.submit(() -> failure(channel, REVIEWS_GET));
        MeshFixture.await("the call to reach v1", () -> v(1).calls.get() == 1);
        fake.advance(Duration.ofMillis(199));
        assertThat(call.isDone()).isFalse();
        fake.advance(Duration.ofMillis(1));
        Status status = call.get(10, TimeUnit.SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        assertThat(status.getDescription()).contains("route timeout 200ms").contains("default/reviews");
        assertPermitsReleased();
    }

    @Test
    void callerDeadlineShorterThanTheRouteTimeoutWins() {
        v(1).delayMillis = 2_000;
        channel(service(REVIEWS, v(1)), routeWith("timeout: 5s"));
        try {
            call(channel, CallOptions.DEFAULT.withDeadlineAfter(150, TimeUnit.MILLISECONDS), REVIEWS_GET, "x");
            throw new AssertionError("expected a deadline");
        } catch (StatusRuntimeException e) {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
            assertThat(e.getStatus().getDescription()).doesNotContain("route timeout");
        }
    }

    @Test
    void perTryTimeoutMovesTheCallToAnotherEndpoint() throws Exception {
        FakeClock fake = new FakeClock();
        clock = fake;
        v(1).delayMillis = 5_000;
        // Round robin, so that the slow endpoint gets its turns whatever the random draws.
        channel(serviceEntry(REVIEWS, v(1), v(2)) + "---\n" + destinationRule(REVIEWS, """
                    loadBalancer: {simple: ROUND_ROBIN}
                """, v(1), v(2)), routeWith("retries: {attempts: 2, perTryTimeout: 100ms, retryOn: reset}"));
        for (int i = 0; i < 6; i++) {
            int slowBefore = v(1).calls.get();
            Future<String> call = caller.submit(() -> call(channel, REVIEWS_GET, "x"));
            MeshFixture.await("an answer or a try held by the slow endpoint",
                    () -> call.isDone() || v(1).calls.get() > slowBefore);
            if (!call.isDone()) {
                runTimersDueWithin(fake, call, Duration.ofMillis(100)); // the slow try's per-try timeout
                runTimersDueWithin(fake, call, Duration.ofMillis(25)); // Envoy's first backoff is below 25 ms
            }
            assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo("v2");
        }
        assertThat(v(1).calls.get()).as("the slow endpoint was tried").isPositive();
        assertPermitsReleased();
    }

    /**
     * Waits until {@code call} is done or the clock has a timer due within {@code window} (the timeout fires and
     * the backoff is scheduled on the call's own executor, not on the advancing thread); then moves the clock by
     * {@code window}. Timers further away (the per-try timeout of the try to v2) stay pending.
     */
    private static void runTimersDueWithin(FakeClock fake, Future<?> call, Duration window) {
        MeshFixture.await("the call to end or a timer due within " + window, () -> call.isDone()
                || fake.pendingDueTimes().stream().anyMatch(due -> due - fake.nanoTime() <= window.toNanos()));
        if (!call.isDone()) {
            fake.advance(window);
        }
    }

    @Test
    void faultAbortReturnsTheConfiguredGrpcStatus() {
        channel(service(REVIEWS, v(1)), routeWith("""
                fault:
                  abort:
                    grpcStatus: RESOURCE_EXHAUSTED
                    percentage: {value: 100}
                """));
        Status status = failure(channel, REVIEWS_GET);
        assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(status.getDescription()).contains("fault").contains("default/reviews");
        assertThat(v(1).calls.get()).as("an aborted call never leaves the client").isZero();
    }

    @Test
    void faultAbortHttpStatusIsMappedAsEnvoyMapsIt() {
        channel(service(REVIEWS, v(1)), routeWith("""
                fault:
                  abort:
                    httpStatus: 403
                    percentage: {value: 100}
                """));
        assertThat(failure(channel, REVIEWS_GET).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    }

    @Test
    void faultDelayHoldsTheCallOnTheMeshClockBeforeSendingIt() throws Exception {
        FakeClock fake = new FakeClock();
        clock = fake;
        channel(service(REVIEWS, v(1)), routeWith("""
                fault:
                  delay:
                    fixedDelay: 300ms
                    percentage: {value: 100}
                """));
        Future<String> call = caller.submit(() -> call(channel, REVIEWS_GET, "x"));
        MeshFixture.await("the fault delay timer",
                () -> fake.pendingDueTimes().contains(Duration.ofMillis(300).toNanos()));
        fake.advance(Duration.ofMillis(299));
        assertThat(call.isDone()).isFalse();
        assertThat(v(1).calls.get()).as("held by the fault delay").isZero();
        fake.advance(Duration.ofMillis(1));
        assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo("v1");
    }

    @Test
    void circuitBreakerRefusesCallsBeyondHttp2MaxRequestsWithClearStatus() throws Exception {
        v(1).delayMillis = 500;
        channel(serviceEntry(REVIEWS, v(1)) + "---\n" + destinationRule(REVIEWS, """
                    connectionPool:
                      http: {http2MaxRequests: 1}
                """, v(1)));
        CompletableFuture<String> slow = CompletableFuture.supplyAsync(() -> call(channel, REVIEWS_GET, "slow"));
        MeshFixture.await("the first call to reach the server", () -> v(1).calls.get() == 1);
        Status status = failure(channel, REVIEWS_GET);
        assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(status.getDescription()).contains("circuit breaker").contains("http2MaxRequests")
                .contains("limit 1").contains("outbound|9080||" + REVIEWS);
        assertThat(slow.get(5, TimeUnit.SECONDS)).isEqualTo("v1");
        assertThat(call(channel, REVIEWS_GET, "x")).as("capacity is back").isEqualTo("v1");
    }

    @Test
    void outlierDetectionEjectsAnEndpointThatKeepsFailing() {
        v(2).failWith = Status.UNAVAILABLE.withDescription("v2 is broken");
        channel(serviceEntry(REVIEWS, v(1), v(2)) + "---\n" + destinationRule(REVIEWS, """
                    outlierDetection:
                      consecutive5xxErrors: 2
                      interval: 1s
                      baseEjectionTime: 30s
                      maxEjectionPercent: 100
                """, v(1), v(2)), routeWith("retries: {attempts: 0}"));
        for (int i = 0; i < 20; i++) {
            try {
                call(channel, REVIEWS_GET, "x");
            } catch (StatusRuntimeException e) {
                // v2's failures feed outlier detection
            }
        }
        int before = v(2).calls.get();
        assertThat(before).isGreaterThanOrEqualTo(2);
        for (int i = 0; i < 30; i++) {
            assertThat(call(channel, REVIEWS_GET, "x")).isEqualTo("v1");
        }
        assertThat(v(2).calls.get()).as("ejected: no more calls").isEqualTo(before);
    }

    @Test
    void connectFailureIsRetriedOnAnotherEndpoint() {
        Backend dead = v(3);
        channel(service(REVIEWS, v(1), dead), routeWith("retries: {attempts: 2, retryOn: connect-failure}"));
        dead.close();
        for (int i = 0; i < 20; i++) {
            assertThat(call(channel, REVIEWS_GET, "x")).isEqualTo("v1");
        }
    }

    /** Every attempt, retry and abandoned try gave its circuit-breaker permits back. */
    private void assertPermitsReleased() {
        ConnectionPool pool = mesh.snapshot().clusters().get("outbound|9080||" + REVIEWS).pool();
        MeshFixture.await("permits to be released: " + pool.stats(),
                () -> pool.activeRequests() == 0 && pool.activeRetries() == 0);
    }

    static StreamObserver<String> observer(List<String> replies, CompletableFuture<Status> done) {
        return new StreamObserver<>() {
            @Override
            public void onNext(String value) {
                replies.add(value);
            }

            @Override
            public void onError(Throwable t) {
                done.complete(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
                done.complete(Status.OK);
            }
        };
    }
}
