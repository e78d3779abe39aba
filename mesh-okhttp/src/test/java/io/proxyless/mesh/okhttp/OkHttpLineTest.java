package io.proxyless.mesh.okhttp;

import static io.proxyless.mesh.runtime.testing.MeshYaml.destinationRule;
import static io.proxyless.mesh.runtime.testing.MeshYaml.serviceEntry;
import static io.proxyless.mesh.runtime.testing.MeshYaml.subsetsV1V2;
import static io.proxyless.mesh.runtime.testing.MeshYaml.virtualService;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.call.MeshTimeoutException;
import io.proxyless.mesh.runtime.testing.FakeClock;
import io.proxyless.mesh.runtime.testing.HttpUpstream;
import io.proxyless.mesh.runtime.testing.MeshYaml;
import io.proxyless.mesh.runtime.time.MeshClock;
import io.proxyless.mesh.runtime.tls.TestPki;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scenarios where OkHttp 4.12 and 5.x take different paths (attempts on the chain or through derived clients):
 * endpoint DNS and connection pooling, retries to another endpoint, interceptor order, TLS, route timeouts and
 * mirrors. Like every test of this module they run here on OkHttp 5 and, from this module's test-jar, in
 * {@code mesh-okhttp4-test} on a class path with okhttp 4.12 only — so they use only the OkHttp API both lines
 * share, and upstreams of no OkHttp line.
 */
class OkHttpLineTest {
    @TempDir
    Path dir;
    @TempDir
    Path certs;

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final ExecutorService caller = Executors.newCachedThreadPool();

    @AfterEach
    void close() {
        caller.shutdownNow();
        Collections.reverse(closeables);
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    private <T extends AutoCloseable> T closing(T c) {
        closeables.add(c);
        return c;
    }

    private HttpUpstream upstream(String name) {
        return closing(HttpUpstream.start(name));
    }

    /** An upstream that holds every request until the test ends. */
    private HttpUpstream held(String name) {
        CountDownLatch release = new CountDownLatch(1);
        HttpUpstream upstream = closing(HttpUpstream.start(name, r -> {
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return HttpUpstream.Reply.of(200, name);
        }));
        closeables.add(release::countDown);
        return upstream;
    }

    private Mesh mesh(MeshClock clock, String... documents) {
        return closing(MeshYaml.mesh(dir, clock, documents));
    }

    private OkHttpClient client(MeshInterceptor interceptor) {
        closing(interceptor);
        OkHttpClient client = new OkHttpClient.Builder().addInterceptor(interceptor).build();
        closeables.add(() -> {
            client.dispatcher().executorService().shutdown();
            client.connectionPool().evictAll();
        });
        return client;
    }

    private static String get(OkHttpClient client, String url, String... header) throws IOException {
        Request.Builder b = new Request.Builder().url(url);
        for (int i = 0; i + 1 < header.length; i += 2) {
            b.header(header[i], header[i + 1]);
        }
        try (Response r = client.newCall(b.build()).execute()) {
            return r.code() + " " + r.body().string();
        }
    }

    private static String endpoint(HttpUpstream u, String address, String extra) {
        return "{address: " + address + ", ports: {http: " + u.port() + "}" + (extra.isEmpty() ? "" : ", " + extra)
                + "}";
    }

    private static String endpoint(HttpUpstream u, String extra) {
        return endpoint(u, "127.0.0.1", extra);
    }

    @Test
    void theInterceptorRunsOnTheOneOkHttpOfThisClassPath() {
        String expected = System.getProperty("mesh.expectedOkHttp");
        Assumptions.assumeTrue(expected != null, "run by Maven, which names the OkHttp this run is for");
        OkHttpVersion found = OkHttpVersion.detect();

        assertThat(found.version()).isEqualTo(expected);
        assertThat(found.copies()).isEmpty();
        // OkHttp 4.12 has no per-call DNS: what used to fail at the first request with NoSuchMethodError
        // (Interceptor$Chain.getDns()) now takes the derived-client path, chosen once when the interceptor is built.
        assertThat(found.chainRouting()).isEqualTo(expected.startsWith("5."));
        assertThat(found.transport(null)).isInstanceOf(expected.startsWith("5.")
                ? ChainTransport.class : DerivedClientTransport.class);
    }

    @Test
    void routesByHeaderToSubsetsAndTheUpstreamSeesTheLogicalHost() throws IOException {
        HttpUpstream v1 = upstream("v1");
        HttpUpstream v2 = upstream("v2");
        Mesh mesh = mesh(MeshClock.system(),
                serviceEntry("reviews", 9080, endpoint(v1, "labels: {version: v1}"),
                        endpoint(v2, "labels: {version: v2}")),
                subsetsV1V2("reviews", ""),
                virtualService("reviews", """
                        - match: [{headers: {end-user: {exact: jason}}}]
                          route: [{destination: {host: reviews, subset: v2}}]
                        - route: [{destination: {host: reviews, subset: v1}}]
                        """));
        OkHttpClient client = client(MeshInterceptor.create(mesh));

        assertThat(get(client, "http://reviews:9080/reviews/1", "end-user", "jason")).isEqualTo("200 v2");
        assertThat(get(client, "http://reviews:9080/reviews/1")).isEqualTo("200 v1");
        assertThat(get(client, "http://reviews.default.svc.cluster.local:9080/")).isEqualTo("200 v1");
        assertThat(v1.hosts()).containsExactly("reviews:9080", "reviews.default.svc.cluster.local:9080");
        assertThat(v2.hosts()).containsExactly("reviews:9080");
        // The attempts' connections are the application's pool's, reused: one per endpoint and URL host (the
        // host a TLS connection would send as SNI).
        assertThat(client.connectionPool().connectionCount()).isEqualTo(3);
    }

    /**
     * Two endpoints on the same port of two loopback addresses: pooled connections must be told apart by the
     * endpoint (OkHttp keys them on host, port and DNS), or round robin would keep talking to the first one.
     */
    @Test
    void endpointsSharingAPortGetConnectionsOfTheirOwn() throws IOException {
        HttpUpstream a = upstream("a");
        HttpUpstream b;
        try {
            b = closing(HttpUpstream.start("b", "127.0.0.2", a.port()));
        } catch (UncheckedIOException e) {
            Assumptions.abort("127.0.0.2:" + a.port() + " cannot be bound here: " + e.getMessage());
            return;
        }
        Mesh mesh = mesh(MeshClock.system(),
                serviceEntry("reviews", 9080, endpoint(a, ""), endpoint(b, "127.0.0.2", "")),
                destinationRule("reviews", "trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}"));
        OkHttpClient client = client(MeshInterceptor.create(mesh));

        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            answers.add(get(client, "http://reviews:9080/"));
        }
        assertThat(answers).containsOnly("200 a", "200 b");
        assertThat(a.count()).isEqualTo(3);
        assertThat(b.count()).isEqualTo(3);
    }

    @Test
    void aConnectFailureIsRetriedOnAnotherEndpointBelowTheInterceptorsBeforeTheMesh() throws IOException {
        HttpUpstream live = upstream("live");
        Mesh mesh = mesh(MeshClock.system(),
                serviceEntry("reviews", 9080, "{address: 127.0.0.1, ports: {http: " + HttpUpstream.deadPort() + "}}",
                        endpoint(live, "")),
                destinationRule("reviews", "trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}"),
                virtualService("reviews", """
                        - route: [{destination: {host: reviews}}]
                          retries: {attempts: 2, retryOn: connect-failure}
                        """));
        MeshInterceptor interceptor = closing(MeshInterceptor.create(mesh));
        AtomicInteger before = new AtomicInteger();
        AtomicInteger after = new AtomicInteger();
        List<String> networkHosts = Collections.synchronizedList(new ArrayList<>());
        OkHttpClient client = new OkHttpClient.Builder()
                .addInterceptor(chain -> {
                    before.incrementAndGet();
                    return chain.proceed(chain.request());
                })
                .addInterceptor(interceptor)
                .addInterceptor(chain -> {
                    after.incrementAndGet();
                    return chain.proceed(chain.request());
                })
                .addNetworkInterceptor(chain -> {
                    networkHosts.add(chain.request().header("Host"));
                    return chain.proceed(chain.request());
                })
                .build();
        closeables.add(() -> client.connectionPool().evictAll());

        for (int i = 0; i < 4; i++) {
            assertThat(get(client, "http://reviews:9080/")).isEqualTo("200 live");
        }
        assertThat(before).hasValue(4);                  // once per call
        assertThat(after.get()).isGreaterThan(4);        // once per attempt: some calls tried the dead port first
        assertThat(networkHosts).hasSize(4).containsOnly("reviews:9080");
        assertThat(live.count()).isEqualTo(4);
    }

    @Test
    void simpleTlsUpgradesTheCallAndVerifiesTheLogicalHost() throws IOException {
        TestPki.Issued root = TestPki.ca("mesh root");
        root.writeCertificate(certs.resolve("root-cert.pem"));
        HttpUpstream secure = closing(HttpUpstream.startHttps("secure",
                TestPki.serverContext(TestPki.leaf(root, "reviews", List.of("DNS:reviews")), null, root), false));
        Mesh mesh = mesh(MeshClock.system(),
                serviceEntry("reviews", 9080, endpoint(secure, "")),
                destinationRule("reviews", "trafficPolicy: {tls: {mode: SIMPLE, caCertificates: %s}}"
                        .formatted(certs.resolve("root-cert.pem"))));
        OkHttpClient client = client(MeshInterceptor.create(mesh));

        assertThat(get(client, "http://reviews:9080/")).isEqualTo("200 secure");
        assertThat(get(client, "http://reviews:9080/")).isEqualTo("200 secure");
        assertThat(secure.hosts()).containsOnly("reviews:9080");
        assertThat(client.connectionPool().connectionCount()).isEqualTo(1);
    }

    @Test
    void aRouteTimeoutEndsTheAttemptInFlight() throws Exception {
        FakeClock clock = new FakeClock();
        HttpUpstream slow = held("slow");
        Mesh mesh = mesh(clock, serviceEntry("reviews", 9080, endpoint(slow, "")),
                virtualService("reviews", """
                        - route: [{destination: {host: reviews}}]
                          timeout: 500ms
                        """));
        OkHttpClient client = client(MeshInterceptor.create(mesh));

        Future<String> call = caller.submit(() -> get(client, "http://reviews:9080/"));
        Harness.await("the call to reach the upstream", () -> slow.count() == 1);
        clock.advance(Duration.ofMillis(500));
        ExecutionException failure = assertThrows(ExecutionException.class, () -> call.get(30, TimeUnit.SECONDS));
        assertThat(failure.getCause()).isInstanceOf(MeshTimeoutException.class)
                .hasMessageContaining("route timeout 500ms");
    }

    /**
     * The engine ends the try on the mesh clock; the thread OkHttp blocks in lets go through the try's read
     * timeout, which OkHttp 4 gets from the derived client's first interceptor. Without it this call would wait
     * for the held upstream (a minute).
     */
    @Test
    void aPerTryTimeoutReleasesTheTryThroughItsSocketTimeout() throws Exception {
        FakeClock clock = new FakeClock();
        HttpUpstream slow = held("slow");
        Mesh mesh = mesh(clock, serviceEntry("reviews", 9080, endpoint(slow, "")),
                virtualService("reviews", """
                        - route: [{destination: {host: reviews}}]
                          retries: {attempts: 1, perTryTimeout: 150ms, retryOn: connect-failure}
                        """));
        OkHttpClient client = client(MeshInterceptor.create(mesh));

        Future<String> call = caller.submit(() -> get(client, "http://reviews:9080/"));
        Harness.await("the call to reach the upstream", () -> slow.count() == 1);
        Harness.await("the per-try timer", () -> clock.pendingTimers() == 1);
        clock.advance(Duration.ofMillis(150));
        ExecutionException failure = assertThrows(ExecutionException.class, () -> call.get(30, TimeUnit.SECONDS));
        assertThat(failure.getCause()).isInstanceOfSatisfying(MeshTimeoutException.class,
                e -> assertThat(e.perTry()).isTrue());
    }

    /**
     * A reload compiles new clusters; OkHttp 4's clients derived for them must key pooled connections as before
     * (equal endpoint DNS, the same TLS socket factory), so the TLS connection is reused across the reload.
     */
    @Test
    void aReloadKeepsThePooledConnections() throws Exception {
        TestPki.Issued root = TestPki.ca("mesh root");
        root.writeCertificate(certs.resolve("root-cert.pem"));
        HttpUpstream secure = closing(HttpUpstream.startHttps("secure",
                TestPki.serverContext(TestPki.leaf(root, "reviews", List.of("DNS:reviews")), null, root), false));
        String service = serviceEntry("reviews", 9080, endpoint(secure, ""));
        String tls = destinationRule("reviews", "trafficPolicy: {tls: {mode: SIMPLE, caCertificates: %s}}"
                .formatted(certs.resolve("root-cert.pem")));
        MeshYaml.write(dir, service, tls);
        Mesh mesh = closing(Mesh.builder().configPaths(dir).namespace("default").build());
        OkHttpClient client = client(MeshInterceptor.create(mesh));
        assertThat(get(client, "http://reviews:9080/")).isEqualTo("200 secure");

        Object before = mesh.snapshot();
        MeshYaml.write(dir, service, tls, serviceEntry("ratings", 9080, endpoint(secure, "")));
        Harness.await("the reload", () -> mesh.snapshot() != before);

        assertThat(get(client, "http://reviews:9080/")).isEqualTo("200 secure");
        assertThat(client.connectionPool().connectionCount()).isEqualTo(1);
    }

    @Test
    void mirrorsReachTheMirrorClusterWithThePrimarysHost() throws IOException {
        HttpUpstream primary = upstream("primary");
        HttpUpstream shadow = upstream("shadow");
        Mesh mesh = mesh(MeshClock.system(),
                serviceEntry("reviews", 9080, endpoint(primary, "")),
                serviceEntry("shadow", 9080, endpoint(shadow, "")),
                virtualService("reviews", """
                        - route: [{destination: {host: reviews}}]
                          mirror: {host: shadow}
                        """));
        MeshInterceptor interceptor = MeshInterceptor.create(mesh);
        OkHttpClient client = client(interceptor);

        for (int i = 0; i < 5; i++) {
            assertThat(get(client, "http://reviews:9080/")).isEqualTo("200 primary");
        }
        Harness.await("5 completed copies", () -> interceptor.mirrorStats().completed() == 5);
        assertThat(shadow.hosts()).hasSize(5).containsOnly("reviews:9080");
    }
}
