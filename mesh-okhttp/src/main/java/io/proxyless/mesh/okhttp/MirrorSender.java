package io.proxyless.mesh.okhttp;

import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.call.Mirroring;
import io.proxyless.mesh.runtime.health.AttemptOutcome;
import io.proxyless.mesh.runtime.health.ConnectionPool;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.routing.Cluster;
import io.proxyless.mesh.runtime.routing.CompiledMesh;
import io.proxyless.mesh.runtime.routing.Mirror;
import io.proxyless.mesh.runtime.tls.ClientTlsContext;
import io.proxyless.mesh.runtime.tls.ClientTlsContexts;
import io.proxyless.mesh.runtime.tls.TlsConfigException;
import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import okhttp3.Call;
import okhttp3.Dns;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.Okio;

/**
 * Sends mirror (shadow) copies, fire-and-forget, as Envoy's shadow writer does: the copy goes to an endpoint of
 * the mirror cluster, its response is read and discarded, and nothing about it reaches the primary call. The work
 * is bounded — a fixed number of sender threads and a fixed queue — and a copy that does not fit is dropped and
 * counted, so a slow or dead mirror can never hold up, slow down or fail the primary traffic.
 */
final class MirrorSender implements AutoCloseable {

    /** Where a copy goes, carried as a request tag to the sender client's own interceptor. */
    private record Target(Dns dns, ClientTlsContext tls, long connectTimeoutMillis) {
    }

    private final OkHttpClient client;
    private final ThreadPoolExecutor executor;
    private final ClientTlsContexts tls;
    private final MeshEventListener listener;
    private final boolean shadowHostSuffix;
    private final Duration timeout;
    private final LongAdder queued = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder completed = new LongAdder();
    private final LongAdder failed = new LongAdder();

    MirrorSender(OkHttpClient base, int concurrency, int queueSize, Duration timeout, ClientTlsContexts tls,
                 MeshEventListener listener, boolean shadowHostSuffix) {
        this.tls = tls;
        this.listener = listener;
        this.shadowHostSuffix = shadowHostSuffix;
        this.timeout = timeout;
        this.client = (base == null ? new OkHttpClient() : base).newBuilder()
                .retryOnConnectionFailure(false)
                .followRedirects(false)
                .followSslRedirects(false)
                .addInterceptor(MirrorSender::toTarget)
                .build();
        AtomicInteger n = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(concurrency, concurrency, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(queueSize), r -> {
                    Thread t = new Thread(r, "mesh-okhttp-mirror-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());
        this.executor.allowCoreThreadTimeOut(true);
    }

    private static Response toTarget(Interceptor.Chain chain) throws IOException {
        Target target = chain.request().tag(Target.class);
        if (target == null) {
            return chain.proceed(chain.request());
        }
        Interceptor.Chain c = chain.withDns(target.dns())
                .withConnectTimeout((int) Math.max(1, target.connectTimeoutMillis()), TimeUnit.MILLISECONDS);
        if (target.tls() != null) {
            c = c.withSslSocketFactory(target.tls().socketFactory(), target.tls().trustManager())
                    .withHostnameVerifier(MeshCall.VERIFIED_BY_TRUST_MANAGER);
        }
        return c.proceed(chain.request());
    }

    MirrorStats stats() {
        return new MirrorStats(queued.sum(), dropped.sum(), completed.sum(), failed.sum());
    }

    /**
     * Queues a copy of {@code template} (the primary request after rewrites and header operations) for
     * {@code mirror}; never blocks and never throws.
     */
    void send(Request original, Request template, Mirror mirror, CompiledMesh snapshot, RouteRequest routeRequest,
              String authority, Duration routeTimeout) {
        RequestBody body = template.body();
        if (body != null && (body.isOneShot() || body.isDuplex())) {
            drop(original, mirror, "the request body can be sent only once");
            return;
        }
        Cluster cluster = mirror.cluster();
        if (cluster == null) {
            drop(original, mirror, "mirror host " + mirror.host() + " has no cluster (not in the registry?)");
            return;
        }
        Endpoint endpoint = cluster.passthrough() ? Endpoint.of(routeRequest.host(), routeRequest.port())
                : cluster.pick(routeRequest, Set.of(), ThreadLocalRandom.current());
        if (endpoint == null) {
            drop(original, mirror, "no healthy upstream in mirror cluster " + cluster.key());
            return;
        }
        ClientTlsContext tlsContext = null;
        if (!template.url().isHttps()) {
            try {
                tlsContext = tls.forCluster(snapshot, cluster);
            } catch (TlsConfigException e) {
                drop(original, mirror, "TLS for mirror cluster cannot be set up: " + e.getMessage());
                return;
            }
        }
        String shadowAuthority = shadowHostSuffix ? Mirroring.shadowAuthority(authority) : authority;
        String urlHost = MeshCall.urlHost(shadowAuthority, routeRequest.host());
        HttpUrl.Builder url = template.url().newBuilder().host(urlHost).port(endpoint.port());
        if (tlsContext != null) {
            url.scheme("https");
        }
        Target target = new Target(EndpointDns.of(urlHost, endpoint.address(), client.dns()), tlsContext,
                cluster.pool().limits().connectTimeout().toMillis());
        Request copy = template.newBuilder()
                .url(url.build())
                .header("Host", shadowAuthority)
                .tag(Target.class, target)
                .build();
        Duration callTimeout = routeTimeout != null && routeTimeout.compareTo(timeout) < 0 ? routeTimeout : timeout;
        try {
            executor.execute(() -> run(original, copy, mirror, cluster, endpoint, callTimeout));
            queued.increment();
            listener.mirrorQueued(original, mirror);
        } catch (RejectedExecutionException e) {
            drop(original, mirror, "mirror queue full");
        }
    }

    private void run(Request original, Request copy, Mirror mirror, Cluster cluster, Endpoint endpoint,
                     Duration callTimeout) {
        ConnectionPool.Permit permit = cluster.pool().tryAcquireRequest();
        if (!permit.granted()) {
            drop(original, mirror, "circuit breaker open for mirror cluster " + cluster.key());
            return;
        }
        AttemptOutcome outcome;
        int status = 0;
        cluster.attemptStarted(endpoint);
        try {
            Call call = client.newCall(copy);
            call.timeout().timeout(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
            try (Response response = call.execute()) {
                status = response.code();
                response.body().source().readAll(Okio.blackhole());
            }
            outcome = status == 0 ? AttemptOutcome.reset() : AttemptOutcome.httpStatus(status);
        } catch (IOException e) {
            outcome = status != 0 ? AttemptOutcome.httpStatus(status) : Failures.classify(e).outcome();
        } finally {
            permit.close();
        }
        cluster.attemptFinished(endpoint, outcome);
        if (status != 0) {
            completed.increment();
        } else {
            failed.increment();
        }
        listener.mirrorCompleted(original, mirror, status);
    }

    private void drop(Request original, Mirror mirror, String reason) {
        dropped.increment();
        listener.mirrorDropped(original, mirror, reason);
    }

    @Override
    public void close() {
        executor.shutdownNow();
        client.dispatcher().cancelAll();
    }
}
