package io.proxyless.mesh.examples;

import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.proxyless.mesh.examples.HttpWorkload.Received;
import io.proxyless.mesh.examples.HttpWorkload.Reply;
import io.proxyless.mesh.micrometer.SourceIdentity;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.call.MeshException;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The demo's workloads, every one a real server on 127.0.0.1 with an ephemeral port:
 * <ul>
 *   <li>Bookinfo: {@code productpage} (HTTP), which calls {@code details} over gRPC and {@code reviews} over
 *       HTTP; {@code reviews} v1 (no stars), v2 (black stars) and v3 (red stars), of which v2 and v3 call
 *       {@code ratings} over HTTP. Outbound calls go through each workload's own {@link MeshClient}; the
 *       {@code end-user} header travels along, as Bookinfo propagates it. details, ratings and reviews serve with
 *       the mesh's own servers, each pod with its own {@link Mesh} for its inbound side;</li>
 *   <li>{@code httpbin} v1 and v2 and a {@code sleep} client, for circuit breaking and mirroring;</li>
 *   <li>stand-ins for the world outside: {@code httpbin.org}, {@code edition.cnn.com}, and an egress gateway
 *       that forwards to the latter.</li>
 * </ul>
 * They know nothing of each other's ports: the mesh config (ServiceEntry endpoints) is the only wiring. The one
 * exception is the egress gateway stand-in, which forwards to the edition.cnn.com stand-in directly, where the real
 * gateway would resolve the site through DNS.
 */
final class Bookinfo implements AutoCloseable {
    /** The ports the example YAML gives each workload's endpoint; the demo maps them to the real ones. */
    static final int PRODUCTPAGE = 9180;
    static final int DETAILS = 9181;
    static final int RATINGS = 9182;
    static final int REVIEWS_V1 = 9183;
    static final int REVIEWS_V2 = 9184;
    static final int REVIEWS_V3 = 9185;
    static final int HTTPBIN_V1 = 8081;
    static final int HTTPBIN_V2 = 8082;
    static final int HTTPBIN_ORG = 8090;
    static final int EGRESS_GATEWAY = 8092;

    private static final AtomicInteger THREADS = new AtomicInteger();

    final DemoPki pki;
    /** The meshes of the server workloads in the mesh (details, ratings, reviews v1–v3): their inbound side. */
    private final List<Mesh> serverMeshes = new ArrayList<>();
    /** The in-process productpage; null when productpage runs with the agent ({@link AgentProductPage}). */
    final HttpWorkload productpage;
    private final int productpagePort;
    final DetailsServer details;
    final HttpWorkload ratings;
    final HttpWorkload reviewsV1;
    final HttpWorkload reviewsV2;
    final HttpWorkload reviewsV3;
    final HttpWorkload httpbinV1;
    final HttpWorkload httpbinV2;
    final HttpWorkload httpbinOrg;
    final HttpWorkload cnn;
    final HttpWorkload egressGateway;
    /** A user's browser: reaches productpage directly, as through Istio's ingress gateway; not in the mesh. */
    final OkHttpClient browser;
    private final OkHttpClient base;
    private final ExecutorService users;
    private volatile MeshClient productpageClient;
    private volatile AgentProductPage productpageAgent;
    private volatile MeshClient reviewsClient;
    private volatile MeshClient sleepClient;

    /**
     * Starts the workloads, with certificates under {@code certificates}; with {@code agent}, productpage is left to
     * {@link #startAgentProductPage} instead of being served here. Those in the mesh serve with a mesh of their own
     * from {@code config}, as each pod's sidecar has its own view: its namespace and labels select the
     * PeerAuthentication and AuthorizationPolicies that apply to it, its certificates (from the demo CA) are what it
     * presents and checks callers against.
     */
    Bookinfo(Path certificates, boolean agent, ConfigDriver config) {
        pki = DemoPki.create(certificates);
        base = new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(10)).build();
        browser = base.newBuilder().build();
        users = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "user-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        details = new DetailsServer(serverMesh(config, "details", "v1"));
        ratings = HttpWorkload.inMesh("ratings-v1",
                r -> Reply.ok("ratings: reviewer1 5 stars, reviewer2 4 stars"), serverMesh(config, "ratings", "v1"));
        reviewsV1 = HttpWorkload.inMesh("reviews-v1", r -> Reply.ok("reviews: v1\nstars: none"),
                serverMesh(config, "reviews", "v1"));
        reviewsV2 = HttpWorkload.inMesh("reviews-v2", r -> reviews("v2", "black", r),
                serverMesh(config, "reviews", "v2"));
        reviewsV3 = HttpWorkload.inMesh("reviews-v3", r -> reviews("v3", "red", r),
                serverMesh(config, "reviews", "v3"));
        productpage = agent ? null : HttpWorkload.plain("productpage-v1", this::productpage);
        productpagePort = agent ? AgentProductPage.reservePort() : productpage.port();
        httpbinV1 = HttpWorkload.plain("httpbin-v1", r -> httpbin("v1", r));
        httpbinV2 = HttpWorkload.plain("httpbin-v2", r -> httpbin("v2", r));
        httpbinOrg = HttpWorkload.plain("httpbin.org", r -> Reply.ok("httpbin.org (local stand-in): Host "
                + r.header("host")));
        cnn = HttpWorkload.plain("edition.cnn.com", r -> Reply.ok("edition.cnn.com (local stand-in): "
                + r.path() + " via " + r.header("via")));
        egressGateway = HttpWorkload.plain("istio-egressgateway", this::egressGateway);
    }

    private Mesh serverMesh(ConfigDriver config, String app, String version) {
        Mesh mesh = config.serverMesh(app + "-" + version, Map.of("app", app, "version", version),
                pki.workloadDirectory(app));
        serverMeshes.add(mesh);
        return mesh;
    }

    /** Example endpoint port → the port the workload really listens on. */
    Map<Integer, Integer> portMapping() {
        Map<Integer, Integer> m = new LinkedHashMap<>();
        m.put(PRODUCTPAGE, productpagePort);
        m.put(DETAILS, details.port());
        m.put(RATINGS, ratings.port());
        m.put(REVIEWS_V1, reviewsV1.port());
        m.put(REVIEWS_V2, reviewsV2.port());
        m.put(REVIEWS_V3, reviewsV3.port());
        m.put(HTTPBIN_V1, httpbinV1.port());
        m.put(HTTPBIN_V2, httpbinV2.port());
        m.put(HTTPBIN_ORG, httpbinOrg.port());
        m.put(EGRESS_GATEWAY, egressGateway.port());
        return m;
    }

    /** Which workload each example port belongs to, for the printed mapping. */
    static Map<Integer, String> portNames() {
        Map<Integer, String> m = new LinkedHashMap<>();
        m.put(PRODUCTPAGE, "productpage v1");
        m.put(DETAILS, "details v1 (gRPC)");
        m.put(RATINGS, "ratings v1");
        m.put(REVIEWS_V1, "reviews v1");
        m.put(REVIEWS_V2, "reviews v2");
        m.put(REVIEWS_V3, "reviews v3");
        m.put(HTTPBIN_V1, "httpbin v1");
        m.put(HTTPBIN_V2, "httpbin v2");
        m.put(HTTPBIN_ORG, "httpbin.org stand-in");
        m.put(EGRESS_GATEWAY, "egress gateway stand-in");
        return m;
    }

    /**
     * Gives the workloads that call others their mesh clients. {@code meshOf(workload, certificateDirectory)}
     * builds each one's {@link Mesh}; an injected productpage has none here.
     */
    void connect(BiFunction<String, Path, Mesh> meshOf) {
        if (productpage != null) {
            productpageClient = client("productpage", meshOf, true);
        }
        reviewsClient = client("reviews", meshOf, false);
        sleepClient = client("sleep", meshOf, false);
    }

    private MeshClient client(String workload, BiFunction<String, Path, Mesh> meshOf,
                              boolean details) {
        Path certs = pki.workloadDirectory(workload);
        return new MeshClient(workload, meshOf.apply(workload, certs), certs, base, details);
    }

    /**
     * Starts the unchanged productpage application with the agent, its mesh configured by {@code meshEnvironment}
     * (the config source's variables); output and scratch files under {@code scratch}.
     */
    AgentProductPage startAgentProductPage(ConfigDriver config, Path scratch) {
        Path certs = pki.workloadDirectory("productpage");
        productpageAgent = AgentProductPage.start(productpagePort, config.agentEnvironment("productpage", certs),
                certs, DemoMetrics.podEnvironment("productpage-v1", "productpage", "v1"),
                scratch);
        return productpageAgent;
    }

    /** The mesh clients built with the API (productpage's only when it is not injected). */
    List<MeshClient> clients() {
        return Stream.of(productpageClient, reviewsClient, sleepClient).filter(Objects::nonNull).toList();
    }

    /**
     * Each client's mesh with the identity its sidecar would report. One reviews client serves v2 and v3 alike, so
     * its {@code source_version} is Istio's {@code unknown}.
     */
    Map<SourceIdentity, Mesh> identities() {
        Map<SourceIdentity, Mesh> m = new LinkedHashMap<>();
        if (productpageClient != null) {
            m.put(DemoMetrics.identity("productpage-v1", "productpage", "v1"), productpageClient.mesh);
        }
        m.put(DemoMetrics.identity("reviews", "reviews", null), reviewsClient.mesh);
        m.put(DemoMetrics.identity("sleep", "sleep", "v1"), sleepClient.mesh);
        return m;
    }

    MeshClient reviewsClient() {
        return reviewsClient;
    }

    /** The {@code sleep} workload of Istio's tasks: a client in the mesh that calls httpbin and the outside. */
    MeshClient sleep() {
        return sleepClient;
    }

    List<HttpWorkload> reviews() {
        return List.of(reviewsV1, reviewsV2, reviewsV3);
    }

    List<HttpWorkload> httpWorkloads() {
        return Stream.of(productpage, ratings, reviewsV1, reviewsV2, reviewsV3, httpbinV1, httpbinV2, httpbinOrg, cnn,
                egressGateway).filter(Objects::nonNull).toList();
    }

    /** Forgets what every workload and client recorded. */
    void reset() {
        httpWorkloads().forEach(HttpWorkload::reset);
        details.reset();
        clients().forEach(MeshClient::reset);
    }

    // ---- user traffic ----

    /** One page of productpage as {@code user} (null: not signed in) sees it. */
    Page view(String user) {
        String url = "http://127.0.0.1:" + productpagePort + "/productpage" + (user == null ? "" : "?u=" + user);
        long start = System.nanoTime();
        try (Response r = browser.newCall(new Request.Builder().url(url).build()).execute()) {
            String body = r.body().string();
            return Page.parse(user, r.code(), body, System.nanoTime() - start);
        } catch (IOException e) {
            return Page.parse(user, 0, "error: " + e, System.nanoTime() - start);
        }
    }

    /**
     * Loads productpage until a page is complete (details and reviews), {@code limit} at most, as a readiness
     * probe would: the first page pays for every workload's first connections, TLS handshakes and class loading,
     * which on a busy machine can outlast a call's deadline, so nothing is measured before that is done.
     */
    boolean warmUp(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            Page page = view(null);
            if (page.status() == 200 && page.detailsOk() && page.reviews() != null) {
                return true;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    /** {@code count} pages, {@code parallel} at a time. */
    List<Page> view(String user, int count, int parallel) {
        return inParallel(count, parallel, () -> view(user));
    }

    /** Runs {@code task} {@code count} times, {@code parallel} at a time; results in completion order. */
    <T> List<T> inParallel(int count, int parallel, Callable<T> task) {
        List<T> out = new ArrayList<>();
        if (parallel <= 1) {
            for (int i = 0; i < count; i++) {
                try {
                    out.add(task.call());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
            return out;
        }
        List<Future<T>> futures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            futures.add(users.submit(task));
        }
        for (Future<T> f : futures) {
            try {
                out.add(f.get(30, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    // ---- the workloads' application code ----

    /** productpage: details over gRPC, reviews over HTTP, both through productpage's mesh client. */
    private Reply productpage(Received r) {
        String user = query(r.query(), "u");
        MeshClient mesh = productpageClient;
        StringBuilder page = new StringBuilder();
        try {
            Metadata headers = new Metadata();
            if (user != null) {
                headers.put(Metadata.Key.of("end-user", Metadata.ASCII_STRING_MARSHALLER), user);
            }
            // details speaks mTLS from the first page on (auto mTLS): the deadline leaves room for a cold JVM's
            // first handshakes on a busy machine.
            String details = ClientCalls.blockingUnaryCall(
                    ClientInterceptors.intercept(mesh.details, MetadataUtils.newAttachHeadersInterceptor(headers)),
                    DetailsServer.GET, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "0");
            page.append("details: ").append(details).append('\n');
        } catch (StatusRuntimeException e) {
            page.append("details-error: ").append(e.getStatus().getCode()).append(' ')
                    .append(e.getStatus().getDescription()).append('\n');
        }
        Request.Builder reviews = new Request.Builder().url("http://reviews:9080/reviews/0");
        if (user != null) {
            reviews.header("end-user", user);
        }
        try (Response resp = mesh.http.newCall(reviews.build()).execute()) {
            String body = resp.body().string();
            if (resp.code() == 200) {
                page.append(body).append('\n');
            } else {
                page.append("reviews-error: HTTP ").append(resp.code()).append(' ').append(firstLine(body))
                        .append('\n');
            }
        } catch (MeshException e) {
            page.append("reviews-error: ").append(e.getClass().getSimpleName()).append(": ").append(e.reason())
                    .append('\n');
        } catch (IOException e) {
            page.append("reviews-error: ").append(e).append('\n');
        }
        return Reply.ok(page.toString());
    }

    /** reviews v2 and v3: the stars come from ratings. */
    private Reply reviews(String version, String stars, Received r) {
        StringBuilder out = new StringBuilder("reviews: " + version + "\nstars: " + stars + "\n");
        Request.Builder ratings = new Request.Builder().url("http://ratings:9080/ratings/0");
        String user = r.header("end-user");
        if (user != null) {
            ratings.header("end-user", user);
        }
        try (Response resp = reviewsClient.http.newCall(ratings.build()).execute()) {
            String body = resp.body().string();
            out.append(resp.code() == 200 ? "ratings: ok" : "ratings: unavailable (HTTP " + resp.code() + " "
                    + firstLine(body) + ")");
        } catch (IOException e) {
            out.append("ratings: unavailable (").append(e.getMessage()).append(')');
        }
        return Reply.ok(out.toString());
    }

    private static Reply httpbin(String version, Received r) throws InterruptedException {
        String delay = query(r.query(), "ms");
        if (delay != null) {
            Thread.sleep(Long.parseLong(delay));
        }
        return Reply.ok("httpbin " + version + ": " + r.method() + " " + r.path() + ", Host " + r.header("host"));
    }

    /** Istio's egress gateway, reduced to what the demo needs: forward to the site named by Host, say so in Via. */
    private Reply egressGateway(Received r) throws IOException {
        String host = r.header("host");
        if (host == null || !host.startsWith("edition.cnn.com")) {
            return new Reply(404, "the egress gateway has no route for " + host);
        }
        Request forward = new Request.Builder().url("http://127.0.0.1:" + cnn.port() + r.path())
                .header("Host", host).header("via", "1.1 istio-egressgateway").build();
        try (Response resp = browser.newCall(forward).execute()) {
            return new Reply(resp.code(), resp.body().string());
        }
    }

    static String query(String query, String name) {
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** Closes the workloads' mesh clients (and so their meshes); idempotent. */
    void closeClients() {
        for (MeshClient c : new MeshClient[] {productpageClient, reviewsClient, sleepClient}) {
            if (c != null) {
                c.close();
            }
        }
        productpageClient = null;
        reviewsClient = null;
        sleepClient = null;
        AgentProductPage agent = productpageAgent;
        if (agent != null) {
            agent.close();
        }
        productpageAgent = null;
    }

    @Override
    public void close() {
        closeClients();
        httpWorkloads().forEach(HttpWorkload::close);
        details.close();
        serverMeshes.forEach(Mesh::close);
        users.shutdownNow();
        base.dispatcher().executorService().shutdownNow();
        base.connectionPool().evictAll();
    }

    /**
     * One productpage as the browser got it: {@code key: value} lines ({@code details}, {@code reviews},
     * {@code stars}, {@code ratings}, or {@code details-error} / {@code reviews-error}).
     */
    record Page(String user, int status, Map<String, String> fields, long nanos) {
        static Page parse(String user, int status, String body, long nanos) {
            Map<String, String> fields = new LinkedHashMap<>();
            for (String line : body.split("\n")) {
                int colon = line.indexOf(": ");
                if (colon > 0) {
                    fields.put(line.substring(0, colon), line.substring(colon + 2));
                }
            }
            if (status != 200) {
                fields.put("page-error", status + " " + body);
            }
            return new Page(user, status, fields, nanos);
        }

        /** The reviews version shown, or null when reviews failed. */
        String reviews() {
            return fields.get("reviews");
        }

        String reviewsError() {
            return fields.get("reviews-error");
        }

        String ratings() {
            return fields.get("ratings");
        }

        boolean detailsOk() {
            return fields.containsKey("details");
        }

        double seconds() {
            return nanos / 1e9;
        }
    }
}
