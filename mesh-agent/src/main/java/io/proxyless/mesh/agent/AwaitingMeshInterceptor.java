package io.proxyless.mesh.agent;

import io.proxyless.mesh.okhttp.MeshInterceptor;
import io.proxyless.mesh.runtime.Mesh;
import java.io.IOException;
import java.util.function.Supplier;
import java.util.logging.Level;
import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * The interceptor every {@code OkHttpClient} gets as it is built, before the mesh is: its first call waits for the
 * mesh being built at start, and from then on every call goes through the workload's one {@link MeshInterceptor}.
 * So building a client never waits for the config, and no call goes out before the config is in force: the
 * application's start overlaps the mesh's, while its first call still sees the mesh.
 *
 * <p>When there is no mesh (the config turned out invalid, or the application's OkHttp is not one the mesh runs
 * on), every call passes through untouched, as without the agent.
 */
final class AwaitingMeshInterceptor implements Interceptor {
    private static final Interceptor PASS_THROUGH = chain -> chain.proceed(chain.request());

    private final Supplier<Mesh> mesh;
    private volatile Interceptor delegate;

    /** @param mesh waits for the mesh being built; null when there is none */
    AwaitingMeshInterceptor(Supplier<Mesh> mesh) {
        this.mesh = mesh;
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
        Interceptor d = delegate;
        return (d != null ? d : resolve()).intercept(chain);
    }

    /** Once, for the first call: every concurrent first call waits here for the same mesh. */
    private synchronized Interceptor resolve() {
        if (delegate == null) {
            Interceptor d = PASS_THROUGH;
            Mesh m = mesh.get();
            if (m != null) {
                try {
                    // Fails when the application's OkHttp is not one the mesh runs on (4.12, 5.4+): said once.
                    d = MeshInterceptor.create(m);
                } catch (Throwable e) {
                    MeshAgent.LOG.log(Level.SEVERE, "mesh agent: OkHttp clients stay outside the mesh: " + e, e);
                }
            }
            delegate = d;
        }
        return delegate;
    }
}
