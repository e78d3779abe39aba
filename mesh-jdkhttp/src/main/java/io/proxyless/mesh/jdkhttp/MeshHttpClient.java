package io.proxyless.mesh.jdkhttp;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.call.CallEngine;
import io.proxyless.mesh.runtime.call.MeshException;
import io.proxyless.mesh.runtime.event.MeshListener;
import io.proxyless.mesh.runtime.tls.ClientTlsContexts;
import io.proxyless.mesh.runtime.tls.SpiffeId;
import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mesh for the JDK's {@link HttpClient}: a client whose {@code send} and {@code sendAsync} give every call
 * Istio's traffic management, as the sidecar would — routing by VirtualService, traffic shifting, retries,
 * timeouts, fault injection, mirroring, load balancing, outlier detection, circuit breaking and DestinationRule
 * TLS — through the same call engine as the OkHttp and gRPC adapters.
 *
 * <pre>{@code
 * Mesh mesh = Mesh.builder().configPaths(Path.of("mesh/")).namespace("default").build();
 * HttpClient client = MeshHttpClient.wrap(HttpClient.newHttpClient(), mesh);
 * HttpResponse<String> response = client.send(
 *         HttpRequest.newBuilder(URI.create("http://reviews:9080/reviews/1")).build(),
 *         HttpResponse.BodyHandlers.ofString());
 * }</pre>
 *
 * <h2>How a call is carried out</h2>
 * The application calls a logical URI ({@code http://reviews:9080/...}). The engine routes it and picks an
 * endpoint; the JDK client cannot be given an address per request, so each attempt's URI names the endpoint
 * ({@code http://10.0.0.7:9080/...}) and the logical authority goes in the {@code Host} header, which the JDK
 * lets a client set only when the JVM runs with {@code -Djdk.httpclient.allowRestrictedHeaders=host} (a JVM-wide
 * setting, read once when the JDK's HTTP client classes load; the mesh does not set it for you). Without it the
 * upstream sees the endpoint's address as {@code Host}, and {@link #wrap} logs a warning saying so. Attempts use
 * HTTP/1.1 unless the request asks for a version itself.
 *
 * <p>When a DestinationRule asks for TLS, the attempt goes out as {@code https} with the cluster's TLS context
 * (the one the mesh compiled for it, {@link Mesh#tls()}): the SNI and the names checked are the cluster's
 * ({@code sni}, {@code subjectAltNames}, or the logical host under auto SNI), never the endpoint's address. An
 * {@code HttpClient} is immutable, so the mesh derives one client per TLS context, logical host and connect
 * timeout from the application's (redirect policy, proxy, cookie handler, authenticator and executor copied),
 * kept with this wrapper and no longer than it.
 *
 * <p>A request body is replayed for retries and mirror copies when its publisher announces a length of at most
 * {@link Builder#maxReplayBytes} (default 1 MiB): it is read once into memory. A longer body, or one of unknown
 * length ({@code BodyPublishers.ofInputStream}), is sent once as given: the call then has no retries and no
 * mirror copies.
 *
 * <p>Failures the mesh decides are {@link MeshException}s (IOExceptions) naming host, route and reason; the
 * request's own {@code timeout()} bounds the whole call (retries included) and stays an
 * {@link java.net.http.HttpTimeoutException}. An {@code https} URI the application calls is routed too, with the
 * application's own TLS settings verified against the logical host. WebSockets are not routed.
 */
public final class MeshHttpClient extends HttpClient {
    private static final Logger log = LoggerFactory.getLogger(MeshHttpClient.class);

    private final HttpClient application;
    private final CallEngine engine;
    private final ClientTlsContexts tls;
    private final UpstreamClients upstreams;
    private final MirrorSender mirrors;
    private final long maxReplayBytes;
    private final boolean sendsHost;
    private final Executor completions;

    private MeshHttpClient(Builder b) {
        this.application = b.client;
        this.engine = new CallEngine(b.mesh, "http", b.listener, null);
        // The mesh's own contexts, whose per-cluster TLS was built (and checked) when the config was compiled,
        // unless this client is given certificate settings of its own.
        this.tls = b.istioCertificates == null ? b.mesh.tls() : ClientTlsContexts.builder()
                .istioCertificates(b.istioCertificates)
                .trustDomain(b.trustDomain)
                .clock(b.mesh.clock())
                .build();
        this.upstreams = new UpstreamClients(b.client);
        this.mirrors = new MirrorSender(b.mirrorConcurrency, b.mirrorTimeout, b.shadowHostSuffix);
        this.maxReplayBytes = b.maxReplayBytes;
        this.sendsHost = hostHeaderAllowed();
        this.completions = b.client.executor().orElse(ForkJoinPool.commonPool());
        if (!sendsHost) {
            log.warn("The JVM does not let HttpClient requests set Host: upstreams of this mesh client will see the"
                    + " endpoint address instead of the logical host (e.g. 10.0.0.7:9080 instead of reviews:9080)."
                    + " Start the JVM with -Djdk.httpclient.allowRestrictedHeaders=host to send the logical Host.");
        }
    }

    /** {@code client} with the mesh: its calls are routed by {@code mesh}; {@code client} itself is unchanged. */
    public static MeshHttpClient wrap(HttpClient client, Mesh mesh) {
        return builder(client, mesh).build();
    }

    /** Configures a mesh client over {@code client}. */
    public static Builder builder(HttpClient client, Mesh mesh) {
        return new Builder(client, mesh);
    }

    /**
     * True when this JVM lets a request set {@code Host} ({@code jdk.httpclient.allowRestrictedHeaders}
     * includes {@code host}), so upstreams see the logical authority.
     */
    public boolean sendsLogicalHost() {
        return sendsHost;
    }

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        CompletableFuture<HttpResponse<T>> future = sendAsync(request, handler);
        try {
            return future.get();
        } catch (InterruptedException e) {
            future.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = Failures.unwrap(e);
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IOException(cause);
        }
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request,
                                                            HttpResponse.BodyHandler<T> handler) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(handler, "handler");
        String scheme = request.uri().getScheme();
        if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
            return application.sendAsync(request, handler);
        }
        return new MeshCall<>(this, request, handler).start();
    }

    /** Push promises are not routed: the mesh carries the request and its response only. */
    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler,
                                                            HttpResponse.PushPromiseHandler<T> pushPromiseHandler) {
        return sendAsync(request, handler);
    }

    @Override
    public Optional<CookieHandler> cookieHandler() {
        return application.cookieHandler();
    }

    @Override
    public Optional<Duration> connectTimeout() {
        return application.connectTimeout();
    }

    @Override
    public Redirect followRedirects() {
        return application.followRedirects();
    }

    @Override
    public Optional<ProxySelector> proxy() {
        return application.proxy();
    }

    @Override
    public SSLContext sslContext() {
        return application.sslContext();
    }

    @Override
    public SSLParameters sslParameters() {
        return application.sslParameters();
    }

    @Override
    public Optional<Authenticator> authenticator() {
        return application.authenticator();
    }

    @Override
    public Version version() {
        return application.version();
    }

    @Override
    public Optional<Executor> executor() {
        return application.executor();
    }

    /** The application's client's WebSockets, not routed by the mesh. */
    @Override
    public WebSocket.Builder newWebSocketBuilder() {
        return application.newWebSocketBuilder();
    }

    HttpClient application() {
        return application;
    }

    CallEngine engine() {
        return engine;
    }

    ClientTlsContexts tls() {
        return tls;
    }

    UpstreamClients upstreams() {
        return upstreams;
    }

    MirrorSender mirrors() {
        return mirrors;
    }

    long maxReplayBytes() {
        return maxReplayBytes;
    }

    boolean sendsHost() {
        return sendsHost;
    }

    Executor completions() {
        return completions;
    }

    /** Whether the JDK accepts a {@code Host} header on a request in this JVM (its setting is read once). */
    private static boolean hostHeaderAllowed() {
        try {
            HttpRequest.newBuilder(URI.create("http://127.0.0.1/")).header("Host", "mesh");
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "MeshHttpClient{" + application + "}";
    }

    /** Options of a {@link MeshHttpClient}. */
    public static final class Builder {
        private final HttpClient client;
        private final Mesh mesh;
        private boolean shadowHostSuffix;
        private int mirrorConcurrency = 64;
        private Duration mirrorTimeout = Duration.ofSeconds(10);
        private long maxReplayBytes = 1 << 20;
        private MeshListener listener = MeshListener.NONE;
        private Path istioCertificates;
        private String trustDomain = SpiffeId.DEFAULT_TRUST_DOMAIN;

        private Builder(HttpClient client, Mesh mesh) {
            this.client = Objects.requireNonNull(client, "client");
            this.mesh = Objects.requireNonNull(mesh, "mesh");
        }

        /**
         * Envoy's classic mirror authority: {@code -shadow} appended to the host ({@code web:8080} →
         * {@code web-shadow:8080}). Off by default: Istio ≥ 1.28 keeps the primary request's Host on the copy.
         */
        public Builder shadowHostSuffix(boolean on) {
            this.shadowHostSuffix = on;
            return this;
        }

        /** Most mirror copies in flight at once (default 64); more are dropped and reported. */
        public Builder mirrorConcurrency(int copies) {
            if (copies < 1) {
                throw new IllegalArgumentException("mirrorConcurrency must be at least 1");
            }
            this.mirrorConcurrency = copies;
            return this;
        }

        /** Longest a mirror copy may take (default 10 s; the route timeout when shorter). */
        public Builder mirrorTimeout(Duration timeout) {
            this.mirrorTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /**
         * Longest request body kept in memory so that retries and mirror copies can send it again (default
         * 1 MiB). A body longer than this, or of unknown length, is sent once: no retries, no mirror copies.
         */
        public Builder maxReplayBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("maxReplayBytes must not be negative");
            }
            this.maxReplayBytes = bytes;
            return this;
        }

        /**
         * Directory with Istio's workload certificates for DestinationRules with {@code tls.mode: ISTIO_MUTUAL}:
         * {@code cert-chain.pem}, {@code key.pem}, {@code root-cert.pem} (as mounted at {@code /etc/certs}),
         * re-read when they change. Without it, the mesh's own TLS settings ({@code Mesh.builder().tls(..)})
         * apply.
         */
        public Builder istioCertificates(Path directory) {
            this.istioCertificates = Objects.requireNonNull(directory);
            return this;
        }

        /** Trust domain of the SPIFFE identities verified under ISTIO_MUTUAL (default {@code cluster.local}). */
        public Builder trustDomain(String trustDomain) {
            this.trustDomain = Objects.requireNonNull(trustDomain);
            return this;
        }

        /**
         * Receives the mesh events of this client's calls (routing, attempts, retries, faults, overflows,
         * mirrors, TLS failures, call ends), after the listener of the {@link Mesh} itself.
         */
        public Builder listener(MeshListener listener) {
            this.listener = Objects.requireNonNull(listener);
            return this;
        }

        public MeshHttpClient build() {
            return new MeshHttpClient(this);
        }
    }
}
