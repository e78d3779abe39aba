package io.proxyless.mesh.okhttp;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.call.CallEngine;
import io.proxyless.mesh.runtime.call.MeshException;
import io.proxyless.mesh.runtime.event.MeshListener;
import io.proxyless.mesh.runtime.tls.ClientTlsContexts;
import io.proxyless.mesh.runtime.tls.SpiffeId;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Response;

/**
 * The mesh for OkHttp: an application interceptor that gives every call Istio's traffic management, as the
 * sidecar would — routing by VirtualService, traffic shifting, retries, timeouts, fault injection, mirroring,
 * load balancing, outlier detection, circuit breaking and DestinationRule TLS.
 *
 * <pre>{@code
 * Mesh mesh = Mesh.builder().configPaths(Path.of("mesh/")).namespace("default").build();
 * OkHttpClient client = new OkHttpClient.Builder()
 *     .addInterceptor(MeshInterceptor.create(mesh))
 *     .build();
 * client.newCall(new Request.Builder().url("http://reviews:9080/reviews/1").build()).execute();
 * }</pre>
 *
 * <h2>How a call is carried out</h2>
 * The application calls a logical URL ({@code http://reviews:9080/...}). The interceptor routes it with the
 * engine and sends each attempt to the chosen endpoint: the attempt's URL keeps the logical host name with the
 * endpoint's port, a per-endpoint {@link okhttp3.Dns} (OkHttp 5.4+ {@code chain.withDns}) resolves that name to
 * the endpoint's address (on OkHttp 4.12, which has no per-call DNS or TLS, the attempt is a call of a client
 * derived from the application's, sharing its connection pool and dispatcher), and the {@code Host} header
 * carries the logical authority — so the upstream sees
 * {@code reviews:9080} as behind a sidecar, and OkHttp's connection pool keeps connections per endpoint. When the
 * DestinationRule asks for TLS the attempt is upgraded to {@code https} with the cluster's
 * {@link javax.net.ssl.SSLSocketFactory} ({@code chain.withSslSocketFactory}); the application's URL stays
 * {@code http://}. DNS and TLS objects are reused per endpoint and per cluster policy, since OkHttp keys pooled
 * connections on them. The application's own interceptors, event listeners, dispatcher and connection pool keep
 * working; failures the mesh decides are {@link MeshException}s (IOExceptions) naming host, route and reason.
 *
 * <p>Add it with {@code addInterceptor}, not {@code addNetworkInterceptor}: network interceptors may not change
 * the host, port or DNS of a call. OkHttp follows redirects and retries connection failures <em>below</em>
 * application interceptors, so a redirect sent by an upstream is followed without the mesh (to the same
 * endpoint for a relative {@code Location}); turn {@code followRedirects} off to have each hop routed.
 *
 * <p>The interceptor holds a small thread pool for mirror traffic; {@link #close()} stops it (the mesh itself is
 * closed by its owner).
 */
public final class MeshInterceptor implements Interceptor, AutoCloseable {
    private final Mesh mesh;
    private final CallEngine engine;
    private final ClientTlsContexts tls;
    private final MirrorSender mirrors;
    private final AttemptTransport transport;

    private MeshInterceptor(Builder b) {
        // Once, here: an OkHttp the mesh cannot run on fails now, naming its version, not at the first request.
        this.transport = OkHttpVersion.detect().transport(this);
        this.mesh = b.mesh;
        // The mesh's own contexts, whose per-cluster TLS was built (and checked) when the config was compiled,
        // unless this interceptor is given certificate settings of its own.
        this.tls = b.ownTls ? ClientTlsContexts.builder()
                .istioCertificates(b.istioCertificates)
                .trustDomain(b.trustDomain)
                .reloadInterval(b.certificateCheckInterval)
                .clock(b.mesh.clock())
                .build() : b.mesh.tls();
        this.mirrors = new MirrorSender(transport, b.mirrorClient, b.mirrorConcurrency, b.mirrorQueueSize, b.mirrorTimeout,
                tls, b.shadowHostSuffix);
        this.engine = new CallEngine(b.mesh, "http", MeshListener.both(b.listener, mirrors.dropCounter()), null);
    }

    /**
     * An interceptor with the defaults: Istio ≥ 1.28 mirror Host, no ISTIO_MUTUAL certificates.
     *
     * @throws IllegalStateException when the OkHttp on the class path is not one the mesh runs on (4.12, or 5.4
     *                               and newer) or is there twice; the message names the version found
     */
    public static MeshInterceptor create(Mesh mesh) {
        return builder(mesh).build();
    }

    /** Configures an interceptor for {@code mesh}. */
    public static Builder builder(Mesh mesh) {
        return new Builder(mesh);
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
        if (chain.connection() != null) {
            throw new IllegalStateException("MeshInterceptor must be added with OkHttpClient.Builder.addInterceptor"
                    + " (an application interceptor), not addNetworkInterceptor");
        }
        return new MeshCall(this, chain).execute();
    }

    /** Mirror traffic counters (queued, dropped, completed, failed). */
    public MirrorStats mirrorStats() {
        return mirrors.stats();
    }

    /** Stops the mirror sender threads and cancels mirror copies in flight. Primary calls are not affected. */
    @Override
    public void close() {
        mirrors.close();
    }

    Mesh mesh() {
        return mesh;
    }

    CallEngine engine() {
        return engine;
    }

    ClientTlsContexts tls() {
        return tls;
    }

    MirrorSender mirrors() {
        return mirrors;
    }

    AttemptTransport transport() {
        return transport;
    }

    /** Options of a {@link MeshInterceptor}. */
    public static final class Builder {
        private final Mesh mesh;
        private boolean shadowHostSuffix;
        private int mirrorConcurrency = 8;
        private int mirrorQueueSize = 64;
        private Duration mirrorTimeout = Duration.ofSeconds(10);
        private OkHttpClient mirrorClient;
        private Path istioCertificates;
        private String trustDomain = SpiffeId.DEFAULT_TRUST_DOMAIN;
        private boolean ownTls;
        private Duration certificateCheckInterval = Duration.ofSeconds(1);
        private MeshListener listener = MeshListener.NONE;

        private Builder(Mesh mesh) {
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

        /** Most mirror copies in flight at once (default 8). */
        public Builder mirrorConcurrency(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("mirrorConcurrency must be at least 1");
            }
            this.mirrorConcurrency = threads;
            return this;
        }

        /** Most mirror copies waiting to be sent (default 64); more are dropped and counted. */
        public Builder mirrorQueueSize(int size) {
            if (size < 1) {
                throw new IllegalArgumentException("mirrorQueueSize must be at least 1");
            }
            this.mirrorQueueSize = size;
            return this;
        }

        /** Longest a mirror copy may take (default 10 s; the route timeout when shorter). */
        public Builder mirrorTimeout(Duration timeout) {
            this.mirrorTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /**
         * The client whose connection pool, dispatcher and settings mirror copies use (default: a new one). The
         * mesh adds its own interceptor to a derived client; the given client is not changed.
         */
        public Builder mirrorClient(OkHttpClient client) {
            this.mirrorClient = client;
            return this;
        }

        /**
         * Directory with Istio's workload certificates for DestinationRules with {@code tls.mode: ISTIO_MUTUAL}:
         * {@code cert-chain.pem}, {@code key.pem}, {@code root-cert.pem} (as mounted at {@code /etc/certs}).
         * The files are re-read when they change.
         */
        public Builder istioCertificates(Path directory) {
            this.istioCertificates = directory;
            this.ownTls = true;
            return this;
        }

        /** Trust domain of the SPIFFE identities verified under ISTIO_MUTUAL (default {@code cluster.local}). */
        public Builder trustDomain(String trustDomain) {
            this.trustDomain = Objects.requireNonNull(trustDomain);
            this.ownTls = true;
            return this;
        }

        /** How often, at most, certificate files are checked for rotation (default 1 s). */
        public Builder certificateCheckInterval(Duration interval) {
            this.certificateCheckInterval = Objects.requireNonNull(interval);
            this.ownTls = true;
            return this;
        }

        /**
         * Receives the mesh events of this interceptor's calls (routing, attempts, retries, faults, overflows,
         * mirrors, TLS failures, call ends), after the listener of the {@link Mesh} itself.
         */
        public Builder listener(MeshListener listener) {
            this.listener = Objects.requireNonNull(listener);
            return this;
        }

        /**
         * The interceptor.
         *
         * @throws IllegalStateException when the OkHttp on the class path is not one the mesh runs on (4.12, or
         *                               5.4 and newer) or is there twice; the message names the version found
         */
        public MeshInterceptor build() {
            return new MeshInterceptor(this);
        }
    }
}
