package io.proxyless.mesh.okhttp;

import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.call.Attempt;
import io.proxyless.mesh.runtime.call.DirectResponses;
import io.proxyless.mesh.runtime.call.Exchange;
import io.proxyless.mesh.runtime.call.HeaderMutations;
import io.proxyless.mesh.runtime.call.MeshException;
import io.proxyless.mesh.runtime.call.MeshOverflowException;
import io.proxyless.mesh.runtime.call.MeshRejectedException;
import io.proxyless.mesh.runtime.call.MeshTimeoutException;
import io.proxyless.mesh.runtime.call.MeshTlsException;
import io.proxyless.mesh.runtime.call.MeshUpstreamException;
import io.proxyless.mesh.runtime.call.MirrorCopy;
import io.proxyless.mesh.runtime.call.NoHealthyUpstreamException;
import io.proxyless.mesh.runtime.call.Redirects;
import io.proxyless.mesh.runtime.call.Rewrites;
import io.proxyless.mesh.runtime.call.RoutedCall;
import io.proxyless.mesh.runtime.call.SerialExecutor;
import io.proxyless.mesh.runtime.event.CallEnd;
import io.proxyless.mesh.runtime.event.ResponseFlag;
import io.proxyless.mesh.runtime.health.AttemptOutcome;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.tls.ClientTlsContext;
import io.proxyless.mesh.runtime.tls.TlsConfigException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.function.Consumer;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * One OkHttp call through the mesh: the {@link Exchange} of the runtime's call engine for a synchronous
 * transport. The engine decides (route, fault, attempts, retries, timeouts, circuit breaking, mirrors); this
 * class sends each attempt on the application's thread (through the {@link AttemptTransport} of the OkHttp found), which waits in
 * {@link #execute()} for the engine's next step — an attempt to send, the response to hand back, or the end of
 * the call. Engine timers (fault delay, backoff, per-try and route timeouts) fire on the mesh clock and reach the
 * waiting thread through that queue; a route timeout cancels the OkHttp call, whatever it is doing.
 */
final class MeshCall implements Exchange, ReleasingBody.Owner, Consumer<Call> {

    /**
     * Mesh TLS verifies the server (chain and names) in its trust manager, where the cluster's rules are known;
     * OkHttp's hostname check (against the URL host) would apply the wrong rule. One shared instance, since OkHttp
     * pools connections by verifier identity.
     */
    static final HostnameVerifier VERIFIED_BY_TRUST_MANAGER = (host, session) -> true;

    /** The engine's steps for the application's thread besides an {@link Attempt} to send or a failure. */
    private static final Object COMMIT = new Object();
    private static final Object ENDED = new Object();

    private final MeshInterceptor mesh;
    private final Interceptor.Chain chain;
    private final Request request;
    private final RouteRequest routeRequest;
    private final String hostHeader;
    private final SerialExecutor serial = new SerialExecutor();
    private final Steps steps = new Steps();
    private final RoutedCall call;
    // Set in the serial executor, read by the application's thread after taking a step (the queue orders them).
    private boolean prepared;
    private HttpUrl url;
    private String authority;
    private String urlHost;
    private boolean passthrough;
    private boolean changesHeaders;
    // The request as made already carries the attempt's Host: the application's own Host header, or none and
    // OkHttp adds the URL's, which is the authority unless the route rewrites it.
    private boolean hostAsMade;
    private volatile boolean timedOut;
    private volatile Call attemptCall;
    // The application's thread only: the last attempt's response. OkHttp refuses a new attempt on the chain while
    // it is open, and the engine's close of a given-up attempt runs in the serial executor, which may still be
    // queued behind a timer when the next attempt is taken.
    private Response lastResponse;
    // The attempt whose response the application reads (set in the serial executor before the COMMIT step), its
    // outcome (set before the response is handed out) and the body bytes read (set before the release task).
    private Attempt committed;
    private AttemptOutcome committedOutcome;
    private long bytesRead;

    MeshCall(MeshInterceptor mesh, Interceptor.Chain chain) {
        this.mesh = mesh;
        this.chain = chain;
        this.request = chain.request();
        this.hostHeader = request.header("Host");
        this.routeRequest = OkHttpRequests.routeRequest(request, hostHeader);
        this.call = mesh.engine().newCall(routeRequest, this, serial);
    }

    Response execute() throws IOException {
        RequestBody body = request.body();
        if (body != null && (body.isOneShot() || body.isDuplex())) {
            call.disableRetries(); // the body cannot be sent again
        }
        try {
            call.requestBytes(body == null ? 0 : body.contentLength());
        } catch (IOException e) {
            call.requestBytes(-1); // unknown until sent
        }
        serial.execute(MeshCall::start, this, null);
        while (true) {
            Object step;
            try {
                step = steps.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                serial.execute(call::cancel);
                throw new InterruptedIOException("interrupted while the mesh delayed the call");
            }
            if (step instanceof Attempt a) {
                sendNow(a);
            } else if (step == COMMIT) {
                return respond(committed);
            } else if (step instanceof RuntimeException e) {
                throw e;
            } else {
                return ended();
            }
        }
    }

    // ---- Exchange: called in the serial executor ----

    /** Starts the engine's call (a constant task: no object per call). */
    private static void start(MeshCall m, Object unused) {
        try {
            m.call.start();
        } catch (RuntimeException e) {
            m.steps.add(e);
        }
    }

    @Override
    public void send(Attempt attempt) {
        if (!prepared) {
            prepare();
        }
        if (passthrough) {
            call.disableRetries(); // Istio's passthrough leaves the call as the application made it
        }
        steps.add(attempt);
    }

    @Override
    public void cancel(Attempt attempt) {
        // A response that is retried is closed here; a committed one belongs to the application, whose reads
        // fail once the OkHttp call is cancelled (route timeout).
        if (!call.isCommitted() && attempt.attachment() instanceof Response r) {
            r.close();
        }
    }

    @Override
    public void commit(Attempt attempt) {
        committed = attempt;
        steps.add(COMMIT);
    }

    @Override
    public void mirror(MirrorCopy copy) {
        if (!prepared) {
            prepare();
        }
        // The copy's request is made on the sender's thread, from immutable parts: nothing per copy on this one.
        RouteDecision decision = call.decision();
        HttpUrl copyUrl = url;
        String copyAuthority = authority;
        mesh.mirrors().send(copy, request.body(), () -> {
            Request.Builder b = request.newBuilder().url(copyUrl);
            HeaderMutations.applyRequest(decision, OkHttpRequests.sink(b));
            return b.header("Host", copyAuthority).build();
        }, authority, urlHost, decision.timeout());
    }

    @Override
    public void end(RoutedCall c) {
        if (c.end() == CallEnd.DEADLINE) {
            timedOut = true;
            chain.call().cancel(); // stops the attempt or the response body wherever it is
            Call attemptCall = this.attemptCall;
            if (attemptCall != null) {
                attemptCall.cancel();
            }
        }
        steps.add(ENDED);
    }

    /**
     * What every attempt starts from, decided once per call: the URL after rewrites, the authority and the host
     * OkHttp connects to. Nothing is copied or parsed again when the route changes nothing: the application's URL
     * is already canonical, so its host is the attempt's host.
     */
    private void prepare() {
        RouteDecision decision = call.decision();
        prepared = true;
        passthrough = decision.route() == null && decision.cluster().passthrough();
        String pathAndQuery = Rewrites.path(decision, routeRequest);
        url = pathAndQuery == null ? request.url() : withPath(request.url(), pathAndQuery);
        String a = HeaderMutations.authority(decision);
        authority = a == null ? routeRequest.authority() : a;
        urlHost = a == null && hostHeader == null ? request.url().host()
                : urlHost(authority, routeRequest.host());
        changesHeaders = HeaderMutations.changesRequest(decision);
        hostAsMade = a == null;
    }

    // ---- the application's thread ----

    /** Sends one attempt and reports its outcome to the engine. */
    private void sendNow(Attempt a) {
        if (lastResponse != null) {
            // A new attempt means the engine gave up on the previous one: its response is never the application's.
            lastResponse.close();
            lastResponse = null;
        }
        Request upstream;
        AttemptTarget target = null;
        if (passthrough) {
            // Unknown host under ALLOW_ANY (Istio's PassthroughCluster): as the application made it, with what
            // the mesh adds to every request (trace context, x-request-id) as a sidecar's HTTP proxy adds it.
            upstream = request;
            if (a.addsRequestHeaders()) {
                Request.Builder b = request.newBuilder();
                a.requestHeaders(OkHttpRequests.sink(b));
                upstream = b.build();
            }
        } else {
            ClientTlsContext tls = null;
            if (!request.url().isHttps()) {
                try {
                    tls = mesh.tls().forEndpoint(a.snapshot(), a.cluster(), a.endpoint());
                } catch (TlsConfigException e) {
                    MeshTlsException failure = new MeshTlsException(call.decision().host(), routeName(), e.getMessage(), e);
                    serial.execute(() -> {
                        a.attach(failure);
                        call.tlsFailure(a.clusterKey(), e);
                        a.failedLocally();
                    });
                    return;
                }
            }
            upstream = upstream(a, tls);
            target = target(a, tls);
        }
        try {
            Response response = target == null ? chain.proceed(upstream)
                    : mesh.transport().send(chain, upstream, target, this);
            lastResponse = response;
            serial.execute(MeshCall::responded, a, response);
        } catch (IOException e) {
            serial.execute(() -> {
                if (a.isSettled()) {
                    return;
                }
                a.attach(e);
                if (call.end() == CallEnd.NONE && chain.call().isCanceled()) {
                    call.cancel(); // the application cancelled: nothing to say about the endpoint
                    return;
                }
                Failures f = Failures.classify(e);
                a.failed(f.outcome(), f.refusedStream(), f.requestSent());
            });
        } catch (RuntimeException | Error e) {
            serial.execute(() -> {
                call.disableRetries();
                a.failed(AttemptOutcome.localOriginFailure(), false, true);
            });
            throw e;
        }
    }

    /**
     * The request for one attempt: the application's request with the route's header operations and authority,
     * sent to the endpoint's port (TLS when the cluster says so), with the headers the mesh adds to this attempt.
     * The URL is rebuilt only for what differs, and the request is copied only when something differs: an endpoint
     * on the port the application called, with no rewrite or header operation, gets the application's request.
     */
    private Request upstream(Attempt a, ClientTlsContext tls) {
        int port = a.endpoint().port();
        boolean sameHost = urlHost.equals(url.host());
        HttpUrl target = url;
        if (!sameHost || port != url.port() || (tls != null && !url.isHttps())) {
            HttpUrl.Builder u = url.newBuilder().port(port);
            if (!sameHost) {
                u.host(urlHost);
            }
            if (tls != null) {
                u.scheme("https");
            }
            target = u.build();
        }
        if (target == request.url() && hostAsMade && !changesHeaders && !a.addsRequestHeaders()) {
            return request; // OkHttp adds the URL's Host when the application set none: the authority
        }
        Request.Builder b = request.newBuilder().url(target);
        if (changesHeaders) {
            HeaderMutations.applyRequest(call.decision(), OkHttpRequests.sink(b));
        }
        b.header("Host", authority);
        if (a.addsRequestHeaders()) {
            a.requestHeaders(OkHttpRequests.sink(b));
        }
        return b.build();
    }

    /** Per-attempt DNS (the endpoint), TLS (the cluster's) and timeouts (connect, per try, what is left). */
    private AttemptTarget target(Attempt a, ClientTlsContext tls) {
        EndpointDns dns = EndpointDns.of(urlHost, a.endpoint(), mesh.transport().clientDns(chain));
        long remainingNanos = call.remainingNanos();
        long remaining = remainingNanos == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(1, remainingNanos / 1_000_000);
        long connect = Math.min(a.cluster().pool().limits().connectTimeout().toMillis(), remaining);
        int read = chain.readTimeoutMillis();
        int write = chain.writeTimeoutMillis();
        Duration perTry = a.perTryTimeout();
        if (perTry != null) {
            // The engine times the try on the mesh clock; OkHttp's socket timeouts make the blocked thread let go.
            long t = Math.max(1, Math.min(perTry.toMillis(), remaining));
            connect = Math.min(connect, t);
            read = AttemptTarget.millis(t);
            write = AttemptTarget.millis(t);
        }
        return new AttemptTarget(a.cluster(), dns, tls, AttemptTarget.millis(Math.max(1, connect)), read, write);
    }

    /** The engine hears of an attempt's response (a constant task: no object per attempt). */
    private static void responded(Attempt a, Response response) {
        if (a.isSettled()) {
            response.close(); // the engine gave up on this attempt meanwhile
            return;
        }
        a.attach(response);
        a.responded(AttemptOutcome.httpStatus(response.code()));
    }

    /**
     * The call an attempt made of its own (OkHttp 4), so that a route timeout can cancel it too. This call is the
     * transport's {@code inFlight} consumer itself, so that no consumer object is made per attempt.
     */
    @Override
    public void accept(Call attemptCall) {
        this.attemptCall = attemptCall;
        if (timedOut) {
            attemptCall.cancel(); // the route timeout came first
        }
    }

    /** The response the application gets: response header operations, the logical request, release on close. */
    private Response respond(Attempt a) {
        Response response = (Response) a.attachment();
        AttemptOutcome outcome = AttemptOutcome.httpStatus(response.code());
        committedOutcome = outcome;
        Response.Builder b = response.newBuilder();
        if (HeaderMutations.changesResponse(call.decision())) {
            HeaderMutations.applyResponse(call.decision(), OkHttpRequests.sink(b));
        }
        if (response.priorResponse() == null) {
            b.request(request);
        }
        ResponseBody body = response.body();
        boolean empty = body.contentLength() == 0 || request.method().equals("HEAD") || response.code() == 204
                || response.code() == 304;
        if (empty) {
            released(0);
            return b.build();
        }
        b.body(new ReleasingBody(body, this));
        return b.build();
    }

    /** The committed response's body was read to its end or closed: the call is over. */
    @Override
    public void released(long bytesRead) {
        this.bytesRead = bytesRead; // the executor's hand-over orders this write before the task reads it
        serial.execute(MeshCall::finish, this, null);
    }

    /** The end of the committed attempt (a constant task: no object per call). */
    private static void finish(MeshCall m, Object unused) {
        m.call.responseBytes(m.bytesRead);
        m.committed.finished(m.committedOutcome);
    }

    @Override
    public IOException readFailure(IOException e) {
        return timedOut ? routeTimeout(e) : e;
    }

    /** How the engine ended a call that was not committed to a response. */
    private Response ended() throws IOException {
        RouteDecision decision = call.decision();
        Attempt last = call.latestAttempt();
        Object lastState = last == null ? null : last.attachment();
        switch (call.end()) {
            case LOCAL_REPLY:
                return localReply(decision);
            case FAULT_ABORT:
                return LocalReplies.fault(request, call.fault());
            case DEADLINE:
                throw routeTimeout(lastState instanceof IOException e ? e
                        : new InterruptedIOException("route timeout"));
            case PER_TRY_TIMEOUT:
                throw new MeshTimeoutException(decision.host(), routeName(), last.perTryTimeout(), true,
                        lastState instanceof IOException e ? e : null);
            case OVERFLOW:
                throw new MeshOverflowException(decision.host(), routeName(), call.clusterKey(), call.overflow());
            case NO_HEALTHY_UPSTREAM:
                throw new NoHealthyUpstreamException(decision.host(), routeName(), last.clusterKey(),
                        "no healthy upstream in cluster " + last.clusterKey() + " for retry " + call.attempts());
            case LOCAL_FAILURE:
            case ATTEMPT_FAILED:
            case CANCELLED:
            default:
                if (lastState instanceof IOException e) {
                    throw attemptFailure(last, e);
                }
                throw new IOException("Canceled");
        }
    }

    private IOException attemptFailure(Attempt last, IOException failure) {
        if (failure instanceof MeshException) {
            return failure;
        }
        ClientTlsContext tls = null;
        if (!passthrough && !request.url().isHttps()) {
            try {
                tls = mesh.tls().forEndpoint(last.snapshot(), last.cluster(), last.endpoint());
            } catch (TlsConfigException e) {
                // reported when the attempt was sent
            }
        }
        if (tls != null && tls.takeMissingClientCertificate() && !(failure instanceof InterruptedIOException)) {
            SSLHandshakeException e = new SSLHandshakeException(tls.policy().cluster() + ": the server asked for a "
                    + "client certificate, but DestinationRule tls mode " + tls.policy().mode() + " presents none "
                    + "(use MUTUAL or ISTIO_MUTUAL); the connection ended with: " + failure);
            e.initCause(failure);
            call.tlsFailure(last.clusterKey(), e);
            return e;
        }
        if (last.outcome() != null && last.outcome().kind() == AttemptOutcome.Kind.TIMEOUT
                && last.perTryTimeout() != null) {
            return new MeshTimeoutException(call.decision().host(), routeName(), last.perTryTimeout(), true, failure);
        }
        // A TLS failure stays the JDK's SSLException: its message already names the cluster and what failed.
        if (last.outcome() != null && !(failure instanceof SSLException)
                && last.outcome().isConnectFailureOrReset()) {
            return new MeshUpstreamException(call.decision().host(), routeName(), last.clusterKey(),
                    String.valueOf(last.endpoint()), call.attempts(), ResponseFlag.format(call.responseFlags()),
                    failure);
        }
        return failure;
    }

    private Response localReply(RouteDecision decision) throws IOException {
        switch (decision.action()) {
            case REDIRECT:
                return LocalReplies.redirect(request, Redirects.status(decision),
                        Redirects.location(decision, routeRequest));
            case DIRECT_RESPONSE: {
                Response.Builder b = LocalReplies.direct(request, DirectResponses.status(decision),
                        DirectResponses.body(decision));
                HeaderMutations.applyResponse(decision, OkHttpRequests.sink(b));
                return b.build();
            }
            default:
                if (decision.cluster() != null) {
                    throw new NoHealthyUpstreamException(decision.host(), routeName(), decision.cluster().key(),
                            decision.reason());
                }
                throw new MeshRejectedException(decision.host(), routeName(), decision.status(), decision.reason());
        }
    }

    private MeshTimeoutException routeTimeout(IOException cause) {
        Duration timeout = call.decision().timeout();
        return new MeshTimeoutException(call.decision().host(), routeName(), timeout, false, cause);
    }

    private String routeName() {
        RouteDecision d = call.decision();
        return d == null || d.route() == null || d.route().isDefault() ? null : d.route().toString();
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
}
