package io.proxyless.mesh.agent;

import io.proxyless.mesh.okhttp.MeshInterceptor;
import io.proxyless.mesh.runtime.Mesh;
import java.util.List;
import java.util.function.Supplier;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;

/**
 * Puts the mesh in every {@link OkHttpClient}: one interceptor for the workload ({@link AwaitingMeshInterceptor},
 * which becomes its {@link MeshInterceptor} on the first call), first among each client's application
 * interceptors, so the application's own interceptors see each call once, as they would in front of a sidecar;
 * its network interceptors, event listeners, dispatcher and pool keep working. A host the mesh does not know
 * passes through unchanged (Istio's {@code ALLOW_ANY}), or is refused under {@code REGISTRY_ONLY}, as the
 * interceptor decides.
 *
 * <p>Loaded from the system class loader, so it links against the application's OkHttp when that is on the
 * class path. An OkHttp loaded elsewhere (a child class loader: an application server, an executable jar's own
 * loader) is not the one this class sees: such a builder is left alone, with one warning.
 */
final class OkHttpHook {
    private final AwaitingMeshInterceptor interceptor;
    private volatile boolean warnedForeign;

    /** @param mesh waits for the mesh being built at start; null when there is none */
    OkHttpHook(Supplier<Mesh> mesh) {
        this.interceptor = new AwaitingMeshInterceptor(mesh);
    }

    void addInterceptor(Object builder) {
        if (!(builder instanceof OkHttpClient.Builder b)) {
            if (!warnedForeign) {
                warnedForeign = true;
                MeshAgent.LOG.warning("mesh agent: an OkHttp loaded by " + builder.getClass().getClassLoader()
                        + " is not the one on the class path; its clients stay outside the mesh");
            }
            return;
        }
        List<Interceptor> interceptors = b.interceptors();
        for (Interceptor i : interceptors) {
            if (i == interceptor || i instanceof MeshInterceptor) {
                return; // a client derived with newBuilder(), or one the application put in the mesh itself
            }
        }
        interceptors.add(0, interceptor);
    }
}
