package io.proxyless.mesh.runtime.call;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.MoreExecutors;
import io.proxyless.mesh.api.loader.ConfigLoader;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.config.MeshConfig;
import io.proxyless.mesh.runtime.event.AccessLog;
import io.proxyless.mesh.runtime.event.AttemptView;
import io.proxyless.mesh.runtime.event.CallEnd;
import io.proxyless.mesh.runtime.event.CallView;
import io.proxyless.mesh.runtime.event.MeshListener;
import io.proxyless.mesh.runtime.event.ResponseFlag;
import io.proxyless.mesh.runtime.health.AttemptOutcome;
import io.proxyless.mesh.runtime.health.ConnectionPool;
import io.proxyless.mesh.runtime.routing.Mirror;
import io.proxyless.mesh.runtime.testing.FakeClock;
import io.proxyless.mesh.runtime.testing.PushConfigSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The call engine over a real mesh (YAML config, compiled snapshot, load balancers, connection pools, outlier
 * detection) and a scripted in-test transport: the test plays the upstream by reporting each attempt's outcome,
 * and drives time with a fake clock.
 */
class CallEngineTest {
    @TempDir
    Path dir;

    private final FakeClock clock = new FakeClock();
    private final Events events = new Events();

    private static final String REVIEWS = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: reviews}
            spec:
              hosts: [reviews.default.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 9080, name: http, protocol: HTTP}]
              endpoints:
              - {address: 10.0.0.1, labels: {version: v1}}
              - {address: 10.0.0.2, labels: {version: v1}}
              - {address: 10.0.0.3, labels: {version: v1}}
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: shadow}
            spec:
              hosts: [shadow.default.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 9080, name: http, protocol: HTTP}]
              endpoints:
              - {address: 10.0.9.1}
            """;

    private static String virtualService(String http) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                """ + http.indent(2);
    }

    private static String destinationRule(String trafficPolicy) {
        return """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews}
                spec:
                  host: reviews
                  trafficPolicy:
                """ + trafficPolicy.indent(4);
    }

    // ---- headers contributed per call and per attempt ----

    @Test
    void aHeaderContributorSeesOneCallAndWritesEachAttemptsHeadersWithPerCallState() {
        Scripted t = new Scripted(mesh(REVIEWS, virtualService("""
                - route: [{destination: {host: reviews}}]
                  retries: {attempts: 2, retryOn: 5xx}
                """)));
        List<String> log = new CopyOnWriteArrayList<>();
        t.mesh.addHeaderContributor(call -> new RequestHeaderContributor.PerCall() {
            private final String id = "call-" + log.size(); // per call: the same on every attempt

            @Override
            public void attemptStarted(CallView c, AttemptView a) {
                log.add("started " + a.number());
            }

            @Override
            public void attemptHeaders(AttemptView a, HeaderSink headers) {
                headers.set("x-request-id", id);
                headers.set("x-attempt", Integer.toString(a.number()));
            }

            @Override
            public void callFinished(CallView c) {
                log.add("finished " + c.attempts());
            }
        });
        t.run(t.call::start);
        Attempt first = t.only();
        assertThat(first.addsRequestHeaders()).isTrue();
        HeaderMutationsTest.Recorder h1 = new HeaderMutationsTest.Recorder();
        first.requestHeaders(h1);
        t.run(() -> first.responded(AttemptOutcome.httpStatus(503)));
        clock.advance(Duration.ofMillis(25));
        Attempt second = t.sent.get(1);
        HeaderMutationsTest.Recorder h2 = new HeaderMutationsTest.Recorder();
        second.requestHeaders(h2);
        t.run(() -> second.responded(AttemptOutcome.httpStatus(200)));
        t.run(() -> second.finished(AttemptOutcome.httpStatus(200)));

        assertThat(h1.headers).containsEntry("x-request-id", List.of("call-0"))
                .containsEntry("x-attempt", List.of("1"));
        assertThat(h2.headers).containsEntry("x-request-id", List.of("call-0"))
                .containsEntry("x-attempt", List.of("2"));
        assertThat(log).containsExactly("started 1", "started 2", "finished 2");
        assertThat(events.finished).as("the mesh's listeners still hear the call").containsExactly(t.call);
    }

    @Test
    void withoutContributorsAnAttemptAddsNoHeadersAndAContributorMayLeaveACallAlone() {
        Scripted t = start(REVIEWS);
        HeaderMutationsTest.Recorder h = new HeaderMutationsTest.Recorder();
        assertThat(t.only().addsRequestHeaders()).isFalse();
        t.only().requestHeaders(h);
        assertThat(h.log).isEmpty();

        Scripted u = new Scripted(t.mesh);
        try (var r = t.mesh.addHeaderContributor(call -> null)) {
            u.run(u.call::start);
            assertThat(u.only().addsRequestHeaders()).isFalse();
        }
        assertThat(t.mesh.headerContributors().size()).isZero();
    }

    @Test
    void twoContributorsBothWriteInTheOrderTheyWereAdded() {
        Scripted t = new Scripted(mesh(REVIEWS));
        List<String> heard = new CopyOnWriteArrayList<>();
        for (String name : List.of("a", "b")) {
            t.mesh.addHeaderContributor(call -> new RequestHeaderContributor.PerCall() {
                @Override
                public void attemptHeaders(AttemptView a, HeaderSink headers) {
                    headers.add("x-by", name);
                }

                @Override
                public void callFinished(CallView c) {
                    heard.add(name);
                }
            });
        }
        t.run(t.call::start);
        HeaderMutationsTest.Recorder h = new HeaderMutationsTest.Recorder();
        t.only().requestHeaders(h);
        t.run(() -> t.only().responded(AttemptOutcome.httpStatus(200)));
        t.run(() -> t.only().finished(AttemptOutcome.httpStatus(200)));
        assertThat(h.headers).containsEntry("x-by", List.of("a", "b"));
        assertThat(heard).containsExactly("a", "b");
    }

    // ---- retries ----

    @Test
    void a503IsRetriedAfterTheBackoffOnTheMeshClockOnAnotherEndpoint() {
        Scripted t = start(REVIEWS, virtualService("""
                - route: [{destination: {host: reviews}}]
                  retries: {attempts: 2, retryOn: 5xx}
                """));
        Attempt first = t.only();
        t.run(() -> first.responded(AttemptOutcome.httpStatus(503)));
        assertThat(t.cancelled).containsExactly(first);
        assertThat(events.retries).containsExactly(1);
        // Envoy's first backoff is drawn from [0, 25 ms): nothing is sent before the clock gets there.
        clock.advance(Duration.ofMillis(25));
        assertThat(t.sent).hasSize(2);
        Attempt second = t.sent.get(1);
        assertThat(second.endpoint()).as("previous_hosts: another endpoint first").isNotEqualTo(first.endpoint());
        t.run(() -> second.responded(AttemptOutcome.httpStatus(200)));
        assertThat(t.committed).containsExactly(second);
        t.run(() -> second.finished(AttemptOutcome.httpStatus(200)));
        assertThat(t.call.end()).isEqualTo(CallEnd.COMPLETED);
        assertThat(t.call.attempts()).isEqualTo(2);
        assertThat(t.call.responseCode()).isEqualTo(200);
        assertThat(ResponseFlag.format(t.call.responseFlags())).isEqualTo("-");
        assertThat(events.finished).containsExactly(t.call);
        assertThat(t.call.protocol()).isEqualTo("http");
        assertThat(t.call.durationNanos()).isEqualTo(Duration.ofMillis(25).toNanos());
        assertThat(activeRequests(t)).as("permits released").isZero();
    }

    @Test
    void whenRetriesRunOutTheLastResponseIsDeliveredWithURX() {
        Scripted t = start(REVIEWS, virtualService("""
                - route: [{destination: {host: reviews}}]
                  retries: {attempts: 1, retryOn: 5xx}
                """));
        t.run(() -> t.only().responded(AttemptOutcome.httpStatus(503)));
        clock.advance(Duration.ofMillis(25));
        Attempt second = t.sent.get(1);
        t.run(() -> second.responded(AttemptOutcome.httpStatus(503)));
        assertThat(t.committed).containsExactly(second);
        t.run(() -> second.finished(AttemptOutcome.httpStatus(503)));
        assertThat(t.call.end()).isEqualTo(CallEnd.COMPLETED);
        assertThat(t.call.responseCode()).isEqualTo(503);
        assertThat(ResponseFlag.format(t.call.responseFlags())).isEqualTo("URX");
    }

    @Test
    void istiosDefaultPolicyRetriesAConnectFailureButNotA503() {
        Scripted t = start(REVIEWS, virtualService("- route: [{destination: {host: reviews}}]"));
        t.run(() -> t.only().failed(AttemptOutcome.connectFailure(), false, false));
        clock.advance(Duration.ofMillis(25));
        Attempt second = t.sent.get(1);
        t.run(() -> second.responded(AttemptOutcome.httpStatus(503)));
        assertThat(t.committed).as("503 is not in Istio's default retryOn since 1.24").containsExactly(second);
        assertThat(events.finishedAttempts).extracting(AttemptView::responseFlags)
                .containsExactly(ResponseFlag.UF.bit());
    }

    @Test
    void aConnectFailureThatIsNotRetriedEndsTheCallWithUF() {
        Scripted t = start(REVIEWS, virtualService("""
                - route: [{destination: {host: reviews}}]
                  retries: {attempts: 0}
                """));
        t.run(() -> t.only().failed(AttemptOutcome.connectFailure(), false, false));
        assertThat(t.call.end()).isEqualTo(CallEnd.ATTEMPT_FAILED);
        assertThat(ResponseFlag.format(t.call.responseFlags())).isEqualTo("UF");
        assertThat(t.ended).containsExactly(t.call);
    }

    @Test
    void aRetryPicksItsEndpointFromTheClusterAsItIsNow() throws Exception {
        Scripted t = start(REVIEWS, virtualService("""
                - route: [{destination: {host: reviews}}]
                  retries: {attempts: 2, retryOn: connect-failure}
                """));
        // The endpoints are replaced while the first attempt runs (pods rolled): the retry must not go to one of
        // the old ones, though the call was routed on the old snapshot.
        push(REVIEWS.replace("10.0.0.1", "10.0.1.1").replace("10.0.0.2", "10.0.1.2")
                .replace("10.0.0.3", "10.0.1.3"), virtualService("""
                - route: [{destination: {host: reviews}}]
                  retries: {attempts: 2, retryOn: connect-failure}
                """));
        Attempt first = t.only();
        assertThat(first.endpoint().address()).startsWith("10.0.0.");
        t.run(() -> first.failed(AttemptOutcome.connectFailure(), false, false));
        clock.advance(Duration.ofMillis(25));
        assertThat(t.sent.get(1).endpoint().address()).startsWith("10.0.1.");
        assertThat(t.sent.get(1).snapshot()).isSameAs(t.mesh.snapshot());
    }

    @Test
    void underConsistentHashingARetryMayGoBackToTheSameEndpoint() {
        Scripted t = start(REVIEWS, destinationRule("loadBalancer: {consistentHash: {httpHeaderName: user}}"),
                virtualService("""
                        - route: [{destination: {host: reviews}}]
                          retries: {attempts: 3, retryOn: connect-failure}
                        """));
        for (int i = 0; i < 3; i++) {
            Attempt a = t.sent.get(i);
            t.run(() -> a.failed(AttemptOutcome.connectFailure(), false, false));
            clock.advance(Duration.ofMillis(250));
        }
        assertThat(t.sent).extracting(Attempt::endpoint).containsOnly(t.sent.get(0).endpoint());
    }

    // ---- timeouts ----

    @Test
    void aPerTryTimeoutCancelsTheTryRetriesAndFinallyEndsWithUT() {
        Scripted t = start(REVIEWS, virtualService("""
                - route: [{destination: {host: reviews}}]
                  retries: {attempts: 1, perTryTimeout: 100ms, retryOn: reset}
                """));
        Attempt first = t.only();
        clock.advance(Duration.ofMillis(99));
        assertThat(t.cancelled).isEmpty();
        clock.advance(Duration.ofMillis(1));
        assertThat(t.cancelled).containsExactly(first);
        assertThat(first.outcome()).isEqualTo(AttemptOutcome.timeout());
        clock.advance(Duration.ofMillis(25));
        Attempt second = t.sent.get(1);
        clock.advance(Duration.ofMillis(100));
        assertThat(t.call.end()).isEqualTo(CallEnd.PER_TRY_TIMEOUT);
        assertThat(t.call.responseCode()).isEqualTo(504);
        // Envoy flags both: the try timed out, and the retry limit stopped another one.
        assertThat(ResponseFlag.format(t.call.responseFlags())).isEqualTo("URX,UT");
        // The transport's late reports change nothing.
        t.run(() -> first.failed(AttemptOutcome.reset(), false, true));
        t.run(() -> second.responded(AttemptOutcome.httpStatus(200)));
        assertThat(t.committed).isEmpty();
        assertThat(activeRequests(t)).isZero();
    }

    @Test
    void theRouteTimeoutBoundsAllTriesAndTheBackoffBetweenThem() {
        Scripted t = start(REVIEWS, virtualService("""
                - route: [{destination: {host: reviews}}]
                  timeout: 300ms
                  retries: {attempts: 10, retryOn: 5xx}
                """));
        while (t.call.end() == CallEnd.NONE) {
            Attempt a = t.sent.get(t.sent.size() - 1);
            clock.advance(Duration.ofMillis(90));
            t.run(() -> a.responded(AttemptOutcome.httpStatus(503)));
            clock.advance(Duration.ofMillis(30));
        }
        assertThat(t.call.end()).isEqualTo(CallEnd.DEADLINE);
        assertThat(t.call.durationNanos()).isEqualTo(Duration.ofMillis(300).toNanos());
        assertThat(t.sent.size()).isBetween(2, 4);
        assertThat(ResponseFlag.format(t.call.responseFlags())).isEqualTo("UT");
        assertThat(clock.pendingTimers()).as("no timer left behind").isZero();
    }

    @Test
    void theRouteTimeoutAlsoCoversACommittedResponse() {
        Scripted t = start(REVIEWS, virtualService("""
                - route: [{destination: {host: reviews}}]
                  timeout: 1s
                """));
        t.run(() -> t.only().responded(AttemptOutcome.httpStatus(200)));
        clock.advance(Duration.ofSeconds(1));
        assertThat(t.call.end()).isEqualTo(CallEnd.DEADLINE);
        assertThat(t.cancelled).containsExactly(t.only());
    }

    @Test
    void aCallersOwnDeadlineBoundsTheCallWhenItIsSooner() {
        Scripted t = new Scripted(mesh(REVIEWS, virtualService("""
                - route: [{destination: {host: reviews}}]
                  timeout: 10s
                """)));
        t.call.callerDeadline(Duration.ofMillis(50).toNanos());
        t.run(t.call::start);
        clock.advance(Duration.ofMillis(50));
        assertThat(t.call.end()).isEqualTo(CallEnd.DEADLINE);
        assertThat(t.call.routeTimeoutBinds()).isFalse();
    }

    // ---- faults, circuit breaking, cancellation, local replies ----

    @Test
    void aFaultDelayHoldsTheCallOnTheMeshClockThenAnAbortEndsIt() {
        Scripted t = start(REVIEWS, virtualService("""
                - route: [{destination: {host: reviews}}]
                  fault:
                    delay: {fixedDelay: 5s, percentage: {value: 100}}
                    abort: {httpStatus: 418, percentage: {value: 100}}
                """));
        assertThat(t.call.end()).isEqualTo(CallEnd.NONE);
        clock.advance(Duration.ofMillis(4999));
        assertThat(t.call.end()).isEqualTo(CallEnd.NONE);
        clock.advance(Duration.ofMillis(1));
        assertThat(t.call.end()).isEqualTo(CallEnd.FAULT_ABORT);
        assertThat(t.sent).isEmpty();
        assertThat(t.call.responseCode()).isEqualTo(418);
        assertThat(ResponseFlag.format(t.call.responseFlags())).isEqualTo("DI,FI");
    }

    @Test
    void aFullConnectionPoolRefusesTheCallWithUOAndSendsNothing() {
        Mesh mesh = mesh(REVIEWS, destinationRule("connectionPool: {http: {http2MaxRequests: 1}}"),
                virtualService("- route: [{destination: {host: reviews}}]"));
        Scripted busy = new Scripted(mesh);
        busy.run(busy.call::start);
        Scripted refused = new Scripted(mesh);
        refused.run(refused.call::start);
        assertThat(refused.sent).isEmpty();
        assertThat(refused.call.end()).isEqualTo(CallEnd.OVERFLOW);
        assertThat(refused.call.overflow()).isEqualTo(ConnectionPool.Overflow.MAX_REQUESTS);
        assertThat(ResponseFlag.format(refused.call.responseFlags())).isEqualTo("UO");
        assertThat(events.overflows).containsExactly("outbound|9080||reviews.default.svc.cluster.local");
    }

    @Test
    void cancellingAbandonsTheAttemptWithoutTellingOutlierDetection() {
        Scripted t = start(REVIEWS, virtualService("- route: [{destination: {host: reviews}}]"));
        t.run(t.call::cancel);
        assertThat(t.cancelled).containsExactly(t.only());
        assertThat(t.only().outcome()).isNull();
        assertThat(t.call.end()).isEqualTo(CallEnd.CANCELLED);
        assertThat(ResponseFlag.format(t.call.responseFlags())).isEqualTo("DC");
        assertThat(activeRequests(t)).isZero();
    }

    @Test
    void aRequestNoRouteMatchesEndsLocallyWithNR() {
        Scripted t = start(REVIEWS, virtualService("""
                - match: [{uri: {prefix: /other}}]
                  route: [{destination: {host: reviews}}]
                """));
        assertThat(t.call.end()).isEqualTo(CallEnd.LOCAL_REPLY);
        assertThat(t.call.responseCode()).isEqualTo(404);
        assertThat(ResponseFlag.format(t.call.responseFlags())).isEqualTo("NR");
        assertThat(events.routed).containsExactly(t.call);
    }

    // ---- mirrors ----

    @Test
    void aMirrorCopyGoesToAnEndpointOfTheMirrorClusterAndHoldsItsPermitUntilItEnds() {
        Scripted t = start(REVIEWS, virtualService("""
                - route: [{destination: {host: reviews}}]
                  mirror: {host: shadow}
                """));
        assertThat(t.mirrors).hasSize(1);
        MirrorCopy copy = t.mirrors.get(0);
        assertThat(copy.endpoint().address()).isEqualTo("10.0.9.1");
        assertThat(copy.begin()).isTrue();
        assertThat(copy.cluster().pool().activeRequests()).isEqualTo(1);
        copy.finished(AttemptOutcome.httpStatus(200), 200);
        assertThat(copy.cluster().pool().activeRequests()).isZero();
        assertThat(events.mirrorStatuses).containsExactly(200);
    }

    @Test
    void responseFlagsRenderAsEnvoyWritesThem() {
        assertThat(ResponseFlag.format(0)).isEqualTo("-");
        assertThat(ResponseFlag.format(ResponseFlag.UF.bit() | ResponseFlag.URX.bit())).isEqualTo("UF,URX");
    }

    // ---- the in-test transport and the mesh ----

    private long activeRequests(Scripted t) {
        return t.call.decision().cluster().pool().activeRequests();
    }

    // ---- access log ----

    @Test
    void theAccessLogWritesIstiosDefaultTextFormatForARetriedCall() {
        Scripted t = start(REVIEWS, virtualService("""
                - name: to-reviews
                  route: [{destination: {host: reviews}}]
                  retries: {attempts: 2, retryOn: 5xx}
                """));
        Attempt first = t.only();
        t.run(() -> first.responded(AttemptOutcome.httpStatus(503)));
        clock.advance(Duration.ofMillis(25));
        Attempt second = t.sent.get(1);
        t.run(() -> second.responded(AttemptOutcome.httpStatus(200)));
        t.run(() -> second.finished(AttemptOutcome.httpStatus(200)));

        List<String> lines = new ArrayList<>();
        AccessLog.to(AccessLog.Format.TEXT, lines::add).callFinished(t.call);

        assertThat(lines).containsExactly("[2026-01-01T00:00:00.000Z] \"GET /r/1 HTTP/1.1\" 200 - via_upstream - \"-\" "
                + "0 0 25 - \"-\" \"-\" \"-\" \"reviews:9080\" \"" + second.endpoint().authority() + "\" "
                + "outbound|9080||reviews.default.svc.cluster.local - - - - to-reviews");
    }

    @Test
    void theJsonAccessLogUsesIstiosKeysAndNullForWhatTheClientDoesNotKnow() throws IOException {
        Scripted t = start(REVIEWS, virtualService("""
                - match: [{headers: {user: {exact: someone-else}}}]
                  route: [{destination: {host: reviews}}]
                """));
        assertThat(t.call.end()).isEqualTo(CallEnd.LOCAL_REPLY);

        List<String> lines = new ArrayList<>();
        AccessLog.to(AccessLog.Format.JSON, lines::add).callFinished(t.call);

        assertThat(lines).hasSize(1);
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines.get(0));
        assertThat(json.get("response_code").isInt()).isTrue();
        assertThat(json.get("response_code").asInt()).isEqualTo(404);
        assertThat(json.get("response_flags").asText()).isEqualTo("NR");
        assertThat(json.get("response_code_details").asText()).isEqualTo("route_not_found");
        assertThat(json.get("upstream_cluster").isNull()).isTrue();
        assertThat(json.get("authority").asText()).isEqualTo("reviews:9080");
        assertThat(json.get("path").asText()).isEqualTo("/r/1");
        List<String> keys = new ArrayList<>();
        json.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).startsWith("start_time", "method", "path", "protocol", "response_code", "response_flags")
                .endsWith("requested_server_name", "route_name").hasSize(24);
    }

    private Scripted start(String... yaml) {
        Scripted t = new Scripted(mesh(yaml));
        t.run(t.call::start);
        return t;
    }

    private PushConfigSource source;

    private Mesh mesh(String... yaml) {
        source = new PushConfigSource(load(yaml));
        return Mesh.builder().configSource(source).namespace("default").clock(clock).listener(events).build();
    }

    private void push(String... yaml) {
        source.push(load(yaml));
    }

    private MeshConfig load(String... yaml) {
        try {
            Path d = Files.createTempDirectory(dir, "config");
            for (int i = 0; i < yaml.length; i++) {
                Files.writeString(d.resolve("c" + i + ".yaml"), yaml[i]);
            }
            return MeshConfig.of(ConfigLoader.create().loadOrThrow(List.of(d)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The test plays the upstream: it sees what the engine asks of the transport and reports outcomes. */
    private static final class Scripted implements Exchange {
        final Executor serial = MoreExecutors.newSequentialExecutor(MoreExecutors.directExecutor());
        final Mesh mesh;
        final RoutedCall call;
        final List<Attempt> sent = new ArrayList<>();
        final List<Attempt> cancelled = new ArrayList<>();
        final List<Attempt> committed = new ArrayList<>();
        final List<MirrorCopy> mirrors = new ArrayList<>();
        final List<RoutedCall> ended = new ArrayList<>();

        Scripted(Mesh mesh) {
            this.mesh = mesh;
            RouteRequest request = RouteRequest.builder("GET", "http://reviews:9080/r/1").header("user", "jason")
                    .build();
            this.call = new CallEngine(mesh, "http", MeshListener.NONE, new Random(7)).newCall(request, this, serial);
        }

        void run(Runnable r) {
            serial.execute(r);
        }

        Attempt only() {
            assertThat(sent).hasSize(1);
            return sent.get(0);
        }

        @Override
        public void send(Attempt attempt) {
            sent.add(attempt);
        }

        @Override
        public void cancel(Attempt attempt) {
            cancelled.add(attempt);
        }

        @Override
        public void commit(Attempt attempt) {
            committed.add(attempt);
        }

        @Override
        public void mirror(MirrorCopy copy) {
            mirrors.add(copy);
        }

        @Override
        public void end(RoutedCall c) {
            ended.add(c);
        }
    }

    private static final class Events implements MeshListener {
        final List<CallView> routed = new CopyOnWriteArrayList<>();
        final List<CallView> finished = new CopyOnWriteArrayList<>();
        final List<AttemptView> finishedAttempts = new CopyOnWriteArrayList<>();
        final List<Integer> retries = new CopyOnWriteArrayList<>();
        final List<String> overflows = new CopyOnWriteArrayList<>();
        final List<Integer> mirrorStatuses = new CopyOnWriteArrayList<>();

        @Override
        public void routed(CallView call) {
            routed.add(call);
        }

        @Override
        public void attemptFinished(CallView call, AttemptView attempt) {
            finishedAttempts.add(attempt);
        }

        @Override
        public void retrying(CallView call, AttemptView failed, int retry, Duration backoff) {
            retries.add(retry);
        }

        @Override
        public void overflow(CallView call, String clusterKey, ConnectionPool.Overflow overflow, boolean retry) {
            overflows.add(clusterKey);
        }

        @Override
        public void mirrorCompleted(CallView call, Mirror mirror, int status) {
            mirrorStatuses.add(status);
        }

        @Override
        public void callFinished(CallView call) {
            finished.add(call);
        }
    }
}
