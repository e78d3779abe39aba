package io.proxyless.mesh.jdkhttp;

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
import io.proxyless.mesh.runtime.event.ResponseFlag;
import io.proxyless.mesh.runtime.health.AttemptOutcome;
import io.proxyless.mesh.runtime.tls.ClientTlsContext;
import io.proxyless.mesh.runtime.tls.TlsConfigException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.ResponseInfo;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * One call of a {@link MeshHttpClient}: the {@link Exchange} of the runtime's call engine for the JDK's
 * asynchronous client. The engine decides (route, fault, attempts, retries, timeouts, circuit breaking, mirrors);
 * this class sends each attempt with {@code sendAsync} to the chosen endpoint, reports response headers and the
 * end of the body to the engine, and completes the application's future with the committed response, a local
 * reply or a typed failure. The engine's serial executor runs on whichever thread reports (the JDK client's, the
 * mesh clock's); the application's future is completed on the client's executor, never on those.
 */
final class MeshCall<T> implements Exchange {

    /** What one attempt holds: its response future, its held body, and what it ended with. */
    private static final class Sent<T> {
        final HeldBody<T> body = new HeldBody<>();
        CompletableFuture<HttpResponse<T>> future;
        ResponseInfo info;
        HttpHeaders headers;
        Throwable failure;
    }

    private final MeshHttpClient owner;
    private final HttpRequest request;
    private final BodyHandler<T> handler;
    private final RouteRequest routeRequest;
    private final boolean applicationTls;
    private final Executor serial = new SerialExecutor();
    private final CompletableFuture<HttpResponse<T>> result = new CompletableFuture<>();
    private final RoutedCall call;
    // Set before the call starts or in the serial executor.
    private byte[] body;
    private BodyPublisher oneShot;
    private RequestTemplate template;
    private boolean passthrough;
    private Attempt committed;

    MeshCall(MeshHttpClient owner, HttpRequest request, BodyHandler<T> handler) {
        this.owner = owner;
        this.request = request;
        this.handler = handler;
        this.routeRequest = JdkRequests.routeRequest(request);
        this.applicationTls = "https".equals(routeRequest.scheme());
        this.call = owner.engine().newCall(routeRequest, this, serial);
    }

    /** Starts the call; the future completes with the application's response or a failure. */
    CompletableFuture<HttpResponse<T>> start() {
        result.whenComplete((r, e) -> {
            if (result.isCancelled()) {
                serial.execute(call::cancel); // the application gave up
            }
        });
        request.timeout().ifPresent(t -> call.callerDeadline(t.toNanos()));
        Optional<BodyPublisher> publisher = request.bodyPublisher();
        long length = publisher.map(BodyPublisher::contentLength).orElse(0L);
        if (length == 0) {
            call.requestBytes(0);
            begin();
        } else if (length > 0 && length <= owner.maxReplayBytes()) {
            call.requestBytes(length);
            RequestBodies.read(publisher.get(), length).whenComplete((bytes, failure) -> {
                if (failure != null) {
                    fail(failure instanceof IOException e ? e : new IOException("request body: " + failure, failure));
                    return;
                }
                body = bytes;
                begin();
            });
        } else {
            // Unknown or long: sent as given, once (see RequestBodies).
            call.requestBytes(length);
            call.disableRetries();
            oneShot = publisher.get();
            begin();
        }
        return result;
    }

    private void begin() {
        serial.execute(() -> {
            try {
                call.start();
            } catch (RuntimeException e) {
                fail(e);
            }
        });
    }

    // ---- Exchange: called in the serial executor ----

    @Override
    public void send(Attempt a) {
        if (template == null) {
            prepare();
        }
        Sent<T> sent = new Sent<>();
        a.attach(sent);
        HttpClient client;
        HttpRequest upstream;
        if (passthrough) {
            // Unknown host under ALLOW_ANY (Istio's PassthroughCluster): as the application made it, with what
            // the mesh adds to every request (trace context, x-request-id) as a sidecar's HTTP proxy adds it.
            call.disableRetries();
            client = owner.application();
            upstream = HttpRequest.newBuilder(request, (name, value) -> true)
                    .method(request.method(), template.publisher()).build();
            if (a.addsRequestHeaders()) {
                upstream = JdkRequests.withAttemptHeaders(upstream, a);
            }
        } else {
            ClientTlsContext tls = null;
            if (!applicationTls) {
                try {
                    tls = owner.tls().forEndpoint(a.snapshot(), a.cluster(), a.endpoint());
                } catch (TlsConfigException e) {
                    sent.failure = new MeshTlsException(call.decision().host(), routeName(), e.getMessage(), e);
                    call.tlsFailure(a.clusterKey(), e);
                    a.failedLocally();
                    return;
                }
            }
            try {
                client = owner.upstreams().forAttempt(tls, applicationTls, template.host(),
                        a.cluster().pool().limits().connectTimeout());
                upstream = template.to(a, tls != null || applicationTls, template.authority());
            } catch (RuntimeException e) {
                sent.failure = new IOException("cannot send to " + a.endpoint() + ": " + e, e);
                a.failedLocally();
                return;
            }
        }
        CompletableFuture<HttpResponse<T>> future;
        try {
            future = client.sendAsync(upstream, info -> {
                serial.execute(() -> headersArrived(a, sent, info));
                return sent.body;
            });
        } catch (RuntimeException e) {
            sent.failure = new IOException("cannot send to " + a.endpoint() + ": " + e, e);
            a.failedLocally();
            return;
        }
        sent.future = future;
        future.whenComplete((response, failure) -> serial.execute(() -> completed(a, sent, response, failure)));
    }

    @Override
    public void cancel(Attempt a) {
        if (a == committed || !(a.attachment() instanceof Sent<?> sent)) {
            return; // a committed response belongs to the application; end() says what becomes of it
        }
        sent.body.discard();
        if (sent.future != null) {
            sent.future.cancel(true);
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public void commit(Attempt a) {
        committed = a;
        Sent<T> sent = (Sent<T>) a.attachment();
        TreeMap<String, List<String>> headers = JdkRequests.mutable(sent.info.headers());
        HeaderMutations.applyResponse(call.decision(), JdkRequests.sink(headers));
        sent.headers = JdkRequests.headers(headers);
        AttemptOutcome outcome = AttemptOutcome.httpStatus(sent.info.statusCode());
        BodySubscriber<T> subscriber;
        try {
            subscriber = handler.apply(new MeshResponse.Info(sent.info.statusCode(), sent.headers,
                    sent.info.version()));
        } catch (RuntimeException e) {
            sent.body.discard();
            if (sent.future != null) {
                sent.future.cancel(true);
            }
            a.finished(outcome);
            fail(e);
            return;
        }
        sent.body.commit(subscriber, (bytes, failure) -> serial.execute(() -> {
            call.responseBytes(bytes);
            if (failure == null) {
                a.finished(outcome);
            } else {
                a.failed(Failures.classify(failure).outcome(), false, true);
            }
        }));
    }

    @Override
    public void mirror(MirrorCopy copy) {
        if (template == null) {
            prepare();
        }
        owner.mirrors().send(owner, copy, template, applicationTls, call.decision().timeout());
    }

    @Override
    public void end(RoutedCall c) {
        Attempt last = c.latestAttempt();
        Throwable lastFailure = last != null && last.attachment() instanceof Sent<?> s ? s.failure : null;
        RouteDecision decision = c.decision();
        switch (c.end()) {
            case COMPLETED -> {
                // The response reached (or reaches) the application when its body handler is done.
            }
            case LOCAL_REPLY -> localReply(decision);
            case FAULT_ABORT -> forward(LocalReplies.fault(request, c.fault(), handler));
            case DEADLINE -> {
                IOException timeout = c.routeTimeoutBinds()
                        ? new MeshTimeoutException(decision.host(), routeName(), decision.timeout(), false, lastFailure)
                        : new HttpTimeoutException("request timed out");
                if (committed != null && committed.attachment() instanceof Sent<?> s) {
                    s.body.abort(timeout);
                    if (s.future != null) {
                        s.future.cancel(true);
                    }
                }
                fail(timeout);
            }
            case PER_TRY_TIMEOUT -> fail(new MeshTimeoutException(decision.host(), routeName(), last.perTryTimeout(),
                    true, lastFailure));
            case OVERFLOW -> fail(new MeshOverflowException(decision.host(), routeName(), c.clusterKey(),
                    c.overflow()));
            case NO_HEALTHY_UPSTREAM -> fail(new NoHealthyUpstreamException(decision.host(), routeName(),
                    last.clusterKey(), "no healthy upstream in cluster " + last.clusterKey() + " for retry "
                    + c.attempts()));
            case CANCELLED -> fail(new IOException("cancelled"));
            default -> fail(attemptFailure(last, lastFailure));
        }
    }

    // ---- the attempt's reports, in the serial executor ----

    private void headersArrived(Attempt a, Sent<T> sent, ResponseInfo info) {
        if (a.isSettled()) {
            sent.body.discard(); // the engine gave up on this attempt meanwhile
            return;
        }
        sent.info = info;
        a.responded(AttemptOutcome.httpStatus(info.statusCode()));
    }

    private void completed(Attempt a, Sent<T> sent, HttpResponse<T> response, Throwable failure) {
        if (a == committed) {
            if (response != null) {
                deliver(new MeshResponse<>(response, request, sent.headers));
            } else {
                fail(Failures.unwrap(failure)); // the body handler failed, or the call ended
            }
            return;
        }
        if (failure == null || a.isSettled()) {
            return; // an attempt the engine gave up on
        }
        Throwable t = Failures.unwrap(failure);
        sent.failure = t;
        if (result.isCancelled()) {
            call.cancel();
            return;
        }
        Failures f = Failures.classify(t);
        a.failed(f.outcome(), false, f.requestSent());
    }

    // ---- helpers ----

    /** The request every attempt starts from: rewrites and request header operations applied. */
    private void prepare() {
        RouteDecision decision = call.decision();
        passthrough = decision.route() == null && decision.cluster().passthrough();
        String rewritten = Rewrites.path(decision, routeRequest);
        String a = HeaderMutations.authority(decision);
        String authority = a == null ? routeRequest.authority() : a;
        TreeMap<String, List<String>> headers = JdkRequests.mutable(request.headers());
        HeaderMutations.applyRequest(decision, JdkRequests.sink(headers));
        headers.remove("Host");
        template = new RequestTemplate(request.method(), rewritten != null ? rewritten : pathAndQuery(request.uri()),
                Map.copyOf(headers), authority, body, oneShot, request.version().orElse(null),
                request.expectContinue(), owner.sendsHost());
    }

    private static String pathAndQuery(URI uri) {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
    }

    private IOException attemptFailure(Attempt last, Throwable failure) {
        if (failure instanceof MeshException e) {
            return e;
        }
        if (last != null && last.outcome() != null && last.outcome().kind() == AttemptOutcome.Kind.TIMEOUT
                && last.perTryTimeout() != null) {
            return new MeshTimeoutException(call.decision().host(), routeName(), last.perTryTimeout(), true, failure);
        }
        // A TLS failure stays the JDK's SSLException: its message already names the cluster and what failed.
        if (failure != null && last != null && last.outcome() != null && !Failures.isTls(failure)
                && last.outcome().isConnectFailureOrReset()) {
            return new MeshUpstreamException(call.decision().host(), routeName(), last.clusterKey(),
                    String.valueOf(last.endpoint()), call.attempts(), ResponseFlag.format(call.responseFlags()),
                    failure);
        }
        if (failure instanceof IOException e) {
            return e;
        }
        return new IOException(failure == null ? "call failed" : failure.toString(), failure);
    }

    private void localReply(RouteDecision decision) {
        switch (decision.action()) {
            case REDIRECT -> forward(LocalReplies.redirect(request, Redirects.status(decision),
                    Redirects.location(decision, routeRequest), handler));
            case DIRECT_RESPONSE -> {
                TreeMap<String, List<String>> headers = LocalReplies.headers();
                HeaderMutations.applyResponse(decision, JdkRequests.sink(headers));
                forward(LocalReplies.direct(request, DirectResponses.status(decision),
                        DirectResponses.body(decision), headers, handler));
            }
            default -> {
                if (decision.cluster() != null) {
                    fail(new NoHealthyUpstreamException(decision.host(), routeName(), decision.cluster().key(),
                            decision.reason()));
                } else {
                    fail(new MeshRejectedException(decision.host(), routeName(), decision.status(),
                            decision.reason()));
                }
            }
        }
    }

    private void forward(CompletableFuture<HttpResponse<T>> reply) {
        reply.whenComplete((response, failure) -> {
            if (failure != null) {
                fail(Failures.unwrap(failure));
            } else {
                deliver(response);
            }
        });
    }

    private void deliver(HttpResponse<T> response) {
        owner.completions().execute(() -> result.complete(response));
    }

    private void fail(Throwable failure) {
        owner.completions().execute(() -> result.completeExceptionally(failure));
    }

    private String routeName() {
        RouteDecision d = call.decision();
        return d == null || d.route() == null || d.route().isDefault() ? null : d.route().toString();
    }
}
