package io.proxyless.mesh.okhttp;

import io.proxyless.mesh.runtime.call.MirrorCopy;
import io.proxyless.mesh.runtime.call.Mirroring;
import io.proxyless.mesh.runtime.event.CallView;
import io.proxyless.mesh.runtime.event.MeshListener;
import io.proxyless.mesh.runtime.health.AttemptOutcome;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.routing.Cluster;
import io.proxyless.mesh.runtime.routing.Mirror;
import io.proxyless.mesh.runtime.tls.ClientTlsContext;
import io.proxyless.mesh.runtime.tls.ClientTlsContexts;
import io.proxyless.mesh.runtime.tls.TlsConfigException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import okhttp3.Call;
import okhttp3.ConnectionPool;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.Okio;

/**
 * Sends mirror (shadow) copies, fire-and-forget, as Envoy's shadow writer does: the copy goes to an endpoint of
 * the mirror cluster, its response is read and discarded, and nothing about it reaches the primary call. The work
 * is bounded — a fixed number of sender threads and a fixed queue — and a copy that does not fit is dropped and
 * counted, so a slow or dead mirror can never hold up, slow down or fail the primary traffic. A mirror endpoint
 * that refuses connections or times out is backed off by the engine, which then drops its copies before they get
 * here: no request copy, no thread and no connect attempt per copy.
 */
final class MirrorSender implements AutoCloseable {

    private final AttemptTransport transport;
    private final OkHttpClient client;
    private final ThreadPoolExecutor executor;
    private final ClientTlsContexts tls;
    private final boolean shadowHostSuffix;
    private final Duration timeout;
    private final boolean ownPool;
    private final LongAdder queued = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder completed = new LongAdder();
    private final LongAdder failed = new LongAdder();

    MirrorSender(AttemptTransport transport, OkHttpClient base, int concurrency, int queueSize, Duration timeout, ClientTlsContexts tls,
                 boolean shadowHostSuffix) {
        this.transport = transport;
        this.tls = tls;
        this.shadowHostSuffix = shadowHostSuffix;
        this.timeout = timeout;
        // By default copies have a connection pool of their own (never the primaries' connections) that keeps a
        // connection per sender thread: OkHttp's default keeps 5 idle, so more senders would connect per copy.
        this.ownPool = base == null;
        OkHttpClient.Builder own = base != null ? base.newBuilder() : new OkHttpClient.Builder()
                .connectionPool(new ConnectionPool(Math.max(5, concurrency), 5, TimeUnit.MINUTES));
        this.client = transport.mirrorClient(own
                .retryOnConnectionFailure(false)
                .followRedirects(false)
                .followSslRedirects(false));
        AtomicInteger n = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(concurrency, concurrency, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(queueSize), r -> {
                    Thread t = new Thread(r, "mesh-okhttp-mirror-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());
        this.executor.allowCoreThreadTimeOut(true);
    }

    MirrorStats stats() {
        return new MirrorStats(queued.sum(), dropped.sum(), completed.sum(), failed.sum());
    }

    /**
     * Queues {@code copy}; never blocks and never throws. Only the checks that decide whether the copy is kept run
     * on the caller's thread: the copy's request ({@code template}: the primary request after rewrites and header
     * operations, whose authority is {@code authority} and URL host {@code urlHost}) is made by the sender's thread.
     */
    void send(MirrorCopy copy, RequestBody body, Supplier<Request> template, String authority, String urlHost,
              Duration routeTimeout) {
        if (executor.getQueue().remainingCapacity() == 0) {
            drop(copy, "mirror queue full"); // before anything is copied
            return;
        }
        if (body != null && (body.isOneShot() || body.isDuplex())) {
            drop(copy, "the request body can be sent only once");
            return;
        }
        Duration callTimeout = routeTimeout != null && routeTimeout.compareTo(timeout) < 0 ? routeTimeout : timeout;
        try {
            executor.execute(() -> run(copy, template, authority, urlHost, callTimeout));
            queued.increment();
        } catch (RejectedExecutionException e) {
            drop(copy, "mirror queue full");
        }
    }

    private void run(MirrorCopy copy, Supplier<Request> template, String authority, String urlHost,
                     Duration callTimeout) {
        try {
            sendCopy(copy, template.get(), authority, urlHost, callTimeout);
        } catch (RuntimeException e) {
            drop(copy, "mirror copy could not be made: " + e); // a copy never ends without a word
        }
    }

    private void sendCopy(MirrorCopy copy, Request primary, String authority, String urlHost, Duration callTimeout) {
        Cluster cluster = copy.cluster();
        Endpoint endpoint = copy.endpoint();
        ClientTlsContext tlsContext = null;
        if (!primary.url().isHttps()) {
            try {
                tlsContext = tls.forEndpoint(copy.call().engine().mesh().snapshot(), cluster, endpoint);
            } catch (TlsConfigException e) {
                copy.call().tlsFailure(cluster.key(), e);
                drop(copy, "TLS for mirror cluster cannot be set up: " + e.getMessage());
                return;
            }
        }
        String shadowAuthority = shadowHostSuffix ? Mirroring.shadowAuthority(authority) : authority;
        String host = shadowHostSuffix ? MeshCall.urlHost(shadowAuthority, copy.request().host()) : urlHost;
        HttpUrl.Builder url = primary.url().newBuilder().port(endpoint.port());
        if (!host.equals(primary.url().host())) {
            url.host(host);
        }
        if (tlsContext != null) {
            url.scheme("https");
        }
        AttemptTarget target = new AttemptTarget(cluster, EndpointDns.of(host, endpoint, client.dns()), tlsContext,
                AttemptTarget.millis(cluster.pool().limits().connectTimeout().toMillis()),
                client.readTimeoutMillis(), client.writeTimeoutMillis());
        Request request = primary.newBuilder()
                .url(url.build())
                .header("Host", shadowAuthority)
                .build();
        if (!copy.begin()) {
            return; // circuit breaker of the mirror cluster open: dropped and reported by the copy
        }
        AttemptOutcome outcome;
        int status = 0;
        try {
            Call call = transport.mirrorCall(client, request, target);
            call.timeout().timeout(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
            try (Response response = call.execute()) {
                status = response.code();
                response.body().source().readAll(Okio.blackhole());
            }
            outcome = status == 0 ? AttemptOutcome.reset() : AttemptOutcome.httpStatus(status);
        } catch (InterruptedIOException e) {
            // the copy's call timeout (or a read timeout): the endpoint is backed off like one that refuses
            outcome = status != 0 ? AttemptOutcome.httpStatus(status) : e instanceof SocketTimeoutException
                    ? Failures.classify(e).outcome() : AttemptOutcome.timeout();
        } catch (IOException e) {
            outcome = status != 0 ? AttemptOutcome.httpStatus(status) : Failures.classify(e).outcome();
        }
        copy.finished(outcome, status == 0 ? -1 : status); // first: the engine's backoff sees it before the counters
        if (status != 0) {
            completed.increment();
        } else {
            failed.increment();
        }
    }

    private void drop(MirrorCopy copy, String reason) {
        copy.dropped(reason); // counted by dropCounter(), with the engine's own drops
    }

    /** Counts every dropped copy of the interceptor's calls, the engine's (backed off, no endpoint) and ours. */
    MeshListener dropCounter() {
        return new MeshListener() {
            @Override
            public void mirrorDropped(CallView call, Mirror mirror, String reason) {
                dropped.increment();
            }
        };
    }

    @Override
    public void close() {
        executor.shutdownNow();
        client.dispatcher().cancelAll();
        if (ownPool) {
            client.connectionPool().evictAll();
        }
    }
}
