package io.proxyless.mesh.okhttp;

import java.io.IOException;
import java.util.function.Consumer;
import okhttp3.Call;
import okhttp3.Dns;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * How an attempt reaches the endpoint the engine picked, on the OkHttp the application runs: OkHttp 5.4+ changes
 * DNS, TLS and timeouts of one call on its chain ({@link ChainTransport}); OkHttp 4.12 cannot, so the attempt is
 * sent through a client derived from the application's own ({@link DerivedClientTransport}). Chosen once, when
 * the interceptor is built ({@link OkHttpVersion#transport}).
 */
interface AttemptTransport {

    /** The DNS the application's client resolves other names with: the fallback of an {@link EndpointDns}. */
    Dns clientDns(Interceptor.Chain chain);

    /**
     * Sends {@code request} (already addressed to the endpoint's port) for the call of {@code chain}, with the
     * target's DNS, TLS and timeouts. A transport that makes a call of its own hands it to {@code inFlight} before
     * it starts, so a route timeout can cancel it.
     */
    Response send(Interceptor.Chain chain, Request request, AttemptTarget target, Consumer<Call> inFlight)
            throws IOException;

    /** The client mirror copies are sent with, made once from {@code base} (already without redirects). */
    OkHttpClient mirrorClient(OkHttpClient.Builder base);

    /** A mirror copy as a call of {@code mirrorClient}, sent to {@code target}. */
    Call mirrorCall(OkHttpClient mirrorClient, Request request, AttemptTarget target);
}
