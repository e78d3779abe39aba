package io.proxyless.mesh.okhttp;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import io.proxyless.mesh.runtime.tls.ClientTlsContext;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import okhttp3.Call;
import okhttp3.Dns;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.internal.connection.RealCall;

/**
 * OkHttp 4.12: its interceptor chain cannot change the DNS or TLS of a call, so an attempt is a call of its own,
 * made with a client derived from the application's ({@code client.newBuilder()}): the same connection pool,
 * dispatcher, DNS, proxy, cache, cookie jar, event listener factory and network interceptors, and, of the
 * application interceptors, those after the mesh's (they run once per attempt, as on OkHttp 5). What differs is
 * what OkHttp keys pooled connections on: the endpoint's {@link EndpointDns} and the cluster's TLS socket factory
 * and trust manager. The try's timeouts travel as a request tag to the derived client's first interceptor.
 *
 * <p>Derived clients are made when first needed and kept for the application client (weakly) and the compiled
 * cluster (weakly, so they go with the snapshot that compiled it): one client per cluster TLS setting and one per
 * endpoint name under it. Nothing is kept JVM-wide; a reload makes new ones, whose connections are the same
 * pooled ones since their DNS and TLS values are equal.
 *
 * <p>Known difference from OkHttp 5: {@code Call.cancel()} of the application's call from another thread reaches
 * an attempt already under way only when that attempt ends (its socket timeouts and the client's call timeout
 * still bound it); a route timeout cancels it at once.
 */
final class DerivedClientTransport implements AttemptTransport {
    private final Interceptor mesh;
    private final Cache<OkHttpClient, Derived> byClient = CacheBuilder.newBuilder().weakKeys().build();

    /** @param mesh the interceptor whose successors in the application's list the derived clients keep */
    DerivedClientTransport(Interceptor mesh) {
        this.mesh = mesh;
    }

    @Override
    public Dns clientDns(Interceptor.Chain chain) {
        return applicationClient(chain).dns();
    }

    @Override
    public Response send(Interceptor.Chain chain, Request request, AttemptTarget target, Consumer<Call> inFlight)
            throws IOException {
        if (chain.call().isCanceled()) {
            throw new IOException("Canceled");
        }
        OkHttpClient client = derived(applicationClient(chain), true).forTarget(target);
        Call call = client.newCall(request.newBuilder().tag(AttemptTarget.class, target).build());
        inFlight.accept(call);
        return call.execute();
    }

    @Override
    public OkHttpClient mirrorClient(OkHttpClient.Builder base) {
        return base.build();
    }

    @Override
    public Call mirrorCall(OkHttpClient mirrorClient, Request request, AttemptTarget target) {
        return derived(mirrorClient, false).forTarget(target)
                .newCall(request.newBuilder().tag(AttemptTarget.class, target).build());
    }

    private static OkHttpClient applicationClient(Interceptor.Chain chain) {
        // OkHttp 4's chain has no accessor for its client; the call it runs is always its RealCall, whose client
        // is public API of the class (checked when the interceptor was built).
        return ((RealCall) chain.call()).getClient();
    }

    private Derived derived(OkHttpClient application, boolean afterMesh) {
        Derived d = byClient.getIfPresent(application);
        if (d == null) {
            d = byClient.asMap().computeIfAbsent(application, c -> new Derived(base(c, afterMesh)));
        }
        return d;
    }

    /** The application's client with only the interceptors that follow the mesh's, after the timeouts' one. */
    private OkHttpClient base(OkHttpClient application, boolean afterMesh) {
        List<Interceptor> interceptors = application.interceptors();
        int at = afterMesh ? interceptors.indexOf(mesh) : -1;
        if (afterMesh && at < 0) {
            throw new IllegalStateException("On OkHttp 4, MeshInterceptor must be added to the client itself with "
                    + "OkHttpClient.Builder.addInterceptor, not wrapped in another interceptor");
        }
        OkHttpClient.Builder b = application.newBuilder();
        b.interceptors().clear();
        b.addInterceptor(DerivedClientTransport::tryTimeouts);
        b.interceptors().addAll(interceptors.subList(at + 1, interceptors.size()));
        return b.build();
    }

    /** The derived client's first interceptor: this try's connect, read and write timeouts. */
    private static Response tryTimeouts(Interceptor.Chain chain) throws IOException {
        AttemptTarget t = chain.request().tag(AttemptTarget.class);
        if (t == null) {
            return chain.proceed(chain.request());
        }
        return chain.withConnectTimeout(Math.max(1, t.connectTimeoutMillis()), TimeUnit.MILLISECONDS)
                .withReadTimeout(t.readTimeoutMillis(), TimeUnit.MILLISECONDS)
                .withWriteTimeout(t.writeTimeoutMillis(), TimeUnit.MILLISECONDS)
                .proceed(chain.request());
    }

    /** The clients derived from one application client: per compiled cluster, per (TLS, endpoint DNS). */
    private static final class Derived {
        private final OkHttpClient base;
        private final Cache<Object, Map<Key, OkHttpClient>> byCluster = CacheBuilder.newBuilder().weakKeys().build();

        Derived(OkHttpClient base) {
            this.base = base;
        }

        OkHttpClient forTarget(AttemptTarget t) {
            Map<Key, OkHttpClient> clients = byCluster.asMap()
                    .computeIfAbsent(t.cluster(), c -> new ConcurrentHashMap<>());
            Key key = new Key(t.tls(), t.dns());
            OkHttpClient client = clients.get(key);
            return client != null ? client : clients.computeIfAbsent(key, this::derive);
        }

        private OkHttpClient derive(Key key) {
            OkHttpClient.Builder b = base.newBuilder().dns(key.dns());
            if (key.tls() != null) {
                b.sslSocketFactory(key.tls().socketFactory(), key.tls().trustManager())
                        .hostnameVerifier(MeshCall.VERIFIED_BY_TRUST_MANAGER);
            }
            return b.build();
        }
    }

    /** TLS context by identity (one per cluster policy, long-lived), endpoint DNS by value. */
    private record Key(ClientTlsContext tls, EndpointDns dns) {
    }
}
