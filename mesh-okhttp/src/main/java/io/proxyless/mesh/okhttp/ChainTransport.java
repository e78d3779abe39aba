package io.proxyless.mesh.okhttp;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import okhttp3.Call;
import okhttp3.Dns;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * OkHttp 5.4+: an attempt is the rest of the application's own chain with the endpoint's DNS, the cluster's TLS
 * and the try's timeouts set on it ({@code chain.withDns}, {@code withSslSocketFactory}, ...). The call stays the
 * application's call, so its cancellation, event listener and call timeout apply to every attempt as they are.
 */
final class ChainTransport implements AttemptTransport {

    @Override
    public Dns clientDns(Interceptor.Chain chain) {
        return chain.getDns();
    }

    @Override
    public Response send(Interceptor.Chain chain, Request request, AttemptTarget target, Consumer<Call> inFlight)
            throws IOException {
        return configure(chain, target).proceed(request);
    }

    @Override
    public OkHttpClient mirrorClient(OkHttpClient.Builder base) {
        return base.addInterceptor(ChainTransport::toTaggedTarget).build();
    }

    @Override
    public Call mirrorCall(OkHttpClient mirrorClient, Request request, AttemptTarget target) {
        return mirrorClient.newCall(request.newBuilder().tag(AttemptTarget.class, target).build());
    }

    /** The mirror client's own interceptor: the copy's target travels as a request tag. */
    private static Response toTaggedTarget(Interceptor.Chain chain) throws IOException {
        AttemptTarget target = chain.request().tag(AttemptTarget.class);
        if (target == null) {
            return chain.proceed(chain.request());
        }
        return configure(chain, target).proceed(chain.request());
    }

    /** The chain with the attempt's settings; each {@code with…} copies the chain, so only what differs is set. */
    private static Interceptor.Chain configure(Interceptor.Chain chain, AttemptTarget t) {
        Interceptor.Chain c = chain.withDns(t.dns());
        int connect = Math.max(1, t.connectTimeoutMillis());
        if (connect != chain.connectTimeoutMillis()) {
            c = c.withConnectTimeout(connect, TimeUnit.MILLISECONDS);
        }
        if (t.readTimeoutMillis() != chain.readTimeoutMillis()) {
            c = c.withReadTimeout(t.readTimeoutMillis(), TimeUnit.MILLISECONDS);
        }
        if (t.writeTimeoutMillis() != chain.writeTimeoutMillis()) {
            c = c.withWriteTimeout(t.writeTimeoutMillis(), TimeUnit.MILLISECONDS);
        }
        if (t.tls() != null) {
            c = c.withSslSocketFactory(t.tls().socketFactory(), t.tls().trustManager())
                    .withHostnameVerifier(MeshCall.VERIFIED_BY_TRUST_MANAGER);
        }
        return c;
    }
}
