package io.proxyless.mesh.okhttp;

import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.call.Backoff;
import io.proxyless.mesh.runtime.call.DirectResponses;
import io.proxyless.mesh.runtime.call.FaultDecision;
import io.proxyless.mesh.runtime.call.HeaderMutations;
import io.proxyless.mesh.runtime.call.Mirroring;
import io.proxyless.mesh.runtime.call.Redirects;
import io.proxyless.mesh.runtime.call.RetryRules;
import io.proxyless.mesh.runtime.call.Rewrites;
import io.proxyless.mesh.runtime.health.AttemptOutcome;
import io.proxyless.mesh.runtime.health.ConnectionPool;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.routing.Cluster;
import io.proxyless.mesh.runtime.routing.CompiledMesh;
import io.proxyless.mesh.runtime.routing.Mirror;
import io.proxyless.mesh.runtime.routing.RetryPolicy;
import io.proxyless.mesh.runtime.tls.ClientTlsContext;
import io.proxyless.mesh.runtime.tls.TlsConfigException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.SSLHandshakeException;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * One call through the mesh: route it, then carry out the decision — local reply, or forward with fault
 * injection, rewrites, header operations, mirroring, TLS, circuit breaking, retries and timeouts. Lives for one
 * {@link MeshInterceptor#intercept} invocation.
 */
final class MeshCall {

    /**
     * Mesh TLS verifies the server (chain and names) in its trust manager, where the cluster's rules are known;
     * OkHttp's hostname check (against the URL host) would apply the wrong rule. One shared instance, since OkHttp
     * pools connections by verifier identity.
     */
    static final HostnameVerifier VERIFIED_BY_TRUST_MANAGER = (host, session) -> true;

    private final MeshInterceptor mesh;
    private final Interceptor.Chain chain;
    private final Request request;
    private final RouteRequest routeRequest;
    private CompiledMesh snapshot;
    private RouteDecision decision;
    private String route;

    MeshCall(MeshInterceptor mesh, Interceptor.Chain chain) {
        this.mesh = mesh;
        this.chain = chain;
        this.request = chain.request();
        this.routeRequest = OkHttpRequests.routeRequest(request);
    }

    Response execute() throws IOException {
        snapshot = mesh.mesh().snapshot();
        decision = snapshot.route(routeRequest, ThreadLocalRandom.current());
        route = decision.route() == null ? null : decision.route().toString();
        mesh.listener().routed(request, decision);
        switch (decision.action()) {
            case REJECT:
                throw rejection();
            case REDIRECT:
                return LocalReplies.redirect(request, Redirects.status(decision.redirect()),
                        Redirects.location(decision, routeRequest));
            case DIRECT_RESPONSE: {
                Response.Builder b = LocalReplies.direct(request, DirectResponses.status(decision.directResponse()),
                        DirectResponses.body(decision.directResponse()));
                HeaderMutations.applyResponse(decision, OkHttpRequests.sink(b));
                return b.build();
            }
            default:
                if (decision.route() == null && decision.cluster().passthrough()) {
                    // Unknown host under ALLOW_ANY (Istio's PassthroughCluster): the call leaves as the
                    // application made it.
                    return chain.proceed(request);
                }
                return forward();
        }
    }

    private MeshException rejection() {
        if (decision.cluster() != null) {
            return new NoHealthyUpstreamException(decision.host(), route, decision.cluster().key(), decision.reason());
        }
        return new MeshRejectedException(decision.host(), route, decision.status(), decision.reason());
    }

    private Response forward() throws IOException {
        FaultDecision fault = FaultDecision.decide(decision.fault(), ThreadLocalRandom.current());
        if (fault != FaultDecision.NONE) {
            mesh.listener().faultInjected(request, fault);
            if (fault.delays()) {
                sleep(fault.delay().toNanos());
                checkNotCanceled();
            }
            if (fault.aborts()) {
                return LocalReplies.fault(request, fault);
            }
        }
        String pathAndQuery = Rewrites.path(decision, routeRequest);
        String authority = HeaderMutations.authority(decision);
        if (authority == null) {
            authority = routeRequest.authority();
        }
        Request.Builder b = request.newBuilder();
        HeaderMutations.applyRequest(decision, OkHttpRequests.sink(b));
        b.header("Host", authority);
        if (pathAndQuery != null) {
            b.url(withPath(request.url(), pathAndQuery));
        }
        Request template = b.build();
        String urlHost = urlHost(authority, routeRequest.host());

        ClientTlsContext tls = null;
        if (!request.url().isHttps()) {
            try {
                tls = mesh.tls().forCluster(snapshot, decision.cluster());
            } catch (TlsConfigException e) {
                throw new MeshTlsException(decision.host(), route, e.getMessage(), e);
            }
        }
        for (Mirror m : decision.mirrors()) {
            if (Mirroring.selected(m, ThreadLocalRandom.current())) {
                mesh.mirrors().send(request, template, m, snapshot, routeRequest, authority, decision.timeout());
            }
        }
        return attempts(template, urlHost, tls);
    }

    /** Tries, retries, and hands the final response (or failure) back. */
    private Response attempts(Request template, String urlHost, ClientTlsContext tls) throws IOException {
        Cluster cluster = decision.cluster();
        ConnectionPool pool = cluster.pool();
        RetryPolicy policy = decision.retries();
        Backoff backoff = Backoff.of(policy);
        RequestBody body = request.body();
        boolean replayable = body == null || !(body.isOneShot() || body.isDuplex());
        Duration timeout = decision.timeout();
        Deadline deadline = timeout == null ? null : Deadline.start(chain.call(), timeout);
        Endpoint endpoint = decision.endpoint();
        Set<Endpoint> tried = new HashSet<>(4);
        int retries = 0;
        ConnectionPool.Permit retryPermit = null;
        boolean handedOff = false;
        try {
            while (true) {
                int attempt = retries + 1;
                tried.add(endpoint);
                Request upstream = upstream(template, endpoint, urlHost, tls);
                Interceptor.Chain c = configure(endpoint, urlHost, tls, policy, deadline);
                ConnectionPool.Permit permit = pool.tryAcquireRequest();
                if (!permit.granted()) {
                    mesh.listener().overflow(request, cluster.key(), permit.overflow());
                    throw new MeshOverflowException(decision.host(), route, cluster.key(), permit.overflow());
                }
                cluster.attemptStarted(endpoint);
                mesh.listener().attemptStarted(request, endpoint, attempt);
                Response response = null;
                IOException failure = null;
                try {
                    response = c.proceed(upstream);
                } catch (IOException e) {
                    failure = e;
                } catch (RuntimeException | Error e) {
                    cluster.attemptFinished(endpoint, AttemptOutcome.localOriginFailure());
                    permit.close();
                    throw e;
                }
                if (retryPermit != null) {
                    retryPermit.close(); // the retry attempt is over: it has its answer
                    retryPermit = null;
                }
                AttemptOutcome outcome;
                Failures classified = null;
                if (failure == null) {
                    outcome = AttemptOutcome.httpStatus(response.code());
                } else if (deadline != null && deadline.fired()) {
                    outcome = AttemptOutcome.timeout();
                } else if (chain.call().isCanceled()) {
                    // The application cancelled: nothing to say about the endpoint, only the in-flight count.
                    cluster.attemptAbandoned(endpoint);
                    permit.close();
                    throw failure;
                } else {
                    classified = Failures.classify(failure);
                    outcome = classified.outcome();
                }
                cluster.attemptFinished(endpoint, outcome);
                mesh.listener().attemptFinished(request, endpoint, attempt, outcome);
                if (failure != null && deadline != null && deadline.fired()) {
                    permit.close();
                    throw routeTimeout(deadline, failure);
                }
                boolean retry = replayable
                        && RetryRules.shouldRetry(policy, outcome, classified != null && classified.refusedStream(),
                        classified == null || classified.requestSent(), retries)
                        && (deadline == null || deadline.remainingNanos() > 0);
                if (retry) {
                    Endpoint next = nextEndpoint(cluster, tried, policy);
                    ConnectionPool.Permit rp = next == null ? null : pool.tryAcquireRetry();
                    if (rp != null && !rp.granted()) {
                        mesh.listener().overflow(request, cluster.key(), rp.overflow());
                    }
                    if (rp != null && rp.granted()) {
                        Duration wait = backoff.delay(retries + 1, ThreadLocalRandom.current());
                        mesh.listener().retrying(request, retries + 1, wait, outcome);
                        if (response != null) {
                            response.close();
                        }
                        permit.close();
                        retryPermit = rp;
                        sleepWithin(wait, deadline);
                        retries++;
                        endpoint = next;
                        continue;
                    }
                }
                if (failure != null) {
                    permit.close();
                    if (tls != null && tls.takeMissingClientCertificate() && !(failure instanceof InterruptedIOException)) {
                        throw missingClientCertificate(tls, failure);
                    }
                    if (outcome.kind() == AttemptOutcome.Kind.TIMEOUT && policy != null
                            && policy.perTryTimeout() != null) {
                        throw new MeshTimeoutException(decision.host(), route, policy.perTryTimeout(), true, failure);
                    }
                    throw failure;
                }
                handedOff = true;
                return finish(response, permit, deadline);
            }
        } finally {
            if (retryPermit != null) {
                retryPermit.close();
            }
            if (!handedOff && deadline != null) {
                deadline.cancel();
            }
        }
    }

    /** The endpoint for a retry: another one when possible (previous_hosts), the same for passthrough. */
    private Endpoint nextEndpoint(Cluster cluster, Set<Endpoint> tried, RetryPolicy policy) {
        if (cluster.passthrough()) {
            return Endpoint.of(routeRequest.host(), routeRequest.port());
        }
        return cluster.pick(routeRequest, policy.avoidPreviousHosts() ? tried : Set.of(),
                ThreadLocalRandom.current());
    }

    /** The request for one attempt: the template sent to the endpoint's port (TLS when the cluster says so). */
    private static Request upstream(Request template, Endpoint endpoint, String urlHost, ClientTlsContext tls) {
        HttpUrl.Builder url = template.url().newBuilder().host(urlHost).port(endpoint.port());
        if (tls != null) {
            url.scheme("https");
        }
        return template.newBuilder().url(url.build()).build();
    }

    /** Per-attempt DNS (the endpoint), TLS (the cluster's) and timeouts (connect, per try, what is left). */
    private Interceptor.Chain configure(Endpoint endpoint, String urlHost, ClientTlsContext tls, RetryPolicy policy,
                                        Deadline deadline) {
        Interceptor.Chain c = chain.withDns(EndpointDns.of(urlHost, endpoint.address(), chain.getDns()));
        long remaining = deadline == null ? Long.MAX_VALUE : Math.max(1, deadline.remainingNanos() / 1_000_000);
        long connect = Math.min(decision.cluster().pool().limits().connectTimeout().toMillis(), remaining);
        Duration perTry = policy == null ? null : policy.perTryTimeout();
        if (perTry != null) {
            long t = Math.max(1, Math.min(perTry.toMillis(), remaining));
            connect = Math.min(connect, t);
            c = c.withReadTimeout((int) Math.min(Integer.MAX_VALUE, t), TimeUnit.MILLISECONDS)
                    .withWriteTimeout((int) Math.min(Integer.MAX_VALUE, t), TimeUnit.MILLISECONDS);
        }
        c = c.withConnectTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, connect)), TimeUnit.MILLISECONDS);
        if (tls != null) {
            c = c.withSslSocketFactory(tls.socketFactory(), tls.trustManager())
                    .withHostnameVerifier(VERIFIED_BY_TRUST_MANAGER);
        }
        return c;
    }

    /** The response the application gets: response header operations, the logical request, release on close. */
    private Response finish(Response response, ConnectionPool.Permit permit, Deadline deadline) {
        Response.Builder b = response.newBuilder();
        HeaderMutations.applyResponse(decision, OkHttpRequests.sink(b));
        if (response.priorResponse() == null) {
            b.request(request);
        }
        Runnable release = () -> {
            permit.close();
            if (deadline != null) {
                deadline.cancel();
            }
        };
        ResponseBody body = response.body();
        boolean empty = body.contentLength() == 0 || request.method().equals("HEAD") || response.code() == 204
                || response.code() == 304;
        if (empty) {
            release.run();
            return b.build();
        }
        b.body(new ReleasingBody(body, release,
                e -> deadline != null && deadline.fired() ? routeTimeout(deadline, e) : e));
        return b.build();
    }

    private SSLHandshakeException missingClientCertificate(ClientTlsContext tls, IOException failure) {
        SSLHandshakeException e = new SSLHandshakeException(tls.policy().cluster() + ": the server asked for a "
                + "client certificate, but DestinationRule tls mode " + tls.policy().mode() + " presents none (use "
                + "MUTUAL or ISTIO_MUTUAL); the connection ended with: " + failure);
        e.initCause(failure);
        return e;
    }

    private MeshTimeoutException routeTimeout(Deadline deadline, IOException cause) {
        return new MeshTimeoutException(decision.host(), route, deadline.timeout(), false, cause);
    }

    /** The host for the attempt URL: the authority's host, so OkHttp sends it as SNI; else the called host. */
    static String urlHost(String authority, String fallback) {
        String host = OkHttpRequests.hostOf(authority);
        try {
            return HttpUrl.get("http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + "/").host();
        } catch (IllegalArgumentException e) {
            return fallback;
        }
    }

    private static HttpUrl withPath(HttpUrl url, String pathAndQuery) {
        int q = pathAndQuery.indexOf('?');
        String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        if (!path.startsWith("/")) {
            path = "/" + path;
        }
        return url.newBuilder().encodedPath(path).encodedQuery(q < 0 ? null : pathAndQuery.substring(q + 1))
                .build();
    }

    private void sleepWithin(Duration wait, Deadline deadline) throws IOException {
        long nanos = wait.toNanos();
        if (deadline != null && deadline.remainingNanos() < nanos) {
            // The backoff would outlast the route timeout: wait for the timeout and fail with it.
            sleep(Math.max(0, deadline.remainingNanos()));
            throw routeTimeout(deadline, new InterruptedIOException("route timeout during retry backoff"));
        }
        sleep(nanos);
        if (deadline != null && deadline.fired()) {
            throw routeTimeout(deadline, new InterruptedIOException("route timeout during retry backoff"));
        }
        checkNotCanceled();
    }

    private void checkNotCanceled() throws IOException {
        if (chain.call().isCanceled()) {
            throw new IOException("Canceled");
        }
    }

    private static void sleep(long nanos) throws InterruptedIOException {
        if (nanos <= 0) {
            return;
        }
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while the mesh delayed the call");
        }
    }
}
