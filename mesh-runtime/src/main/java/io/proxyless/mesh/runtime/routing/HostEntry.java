package io.proxyless.mesh.runtime.routing;

import io.proxyless.mesh.runtime.registry.MeshService;
import java.util.List;
import java.util.Map;

/**
 * Everything the engine knows about one requested host: its FQDN, the service behind it (if any), the routes
 * of the VirtualService that owns it (if any) and its default clusters per service port. Public for dumps
 * ({@link CompiledMesh#hosts()}); the engine reaches entries through {@link CompiledMesh#route}.
 *
 * @param host            FQDN (or the wildcard pattern for wildcard entries)
 * @param service         the registry service, or null
 * @param virtualService  {@code ns/name} of the VirtualService routing this host, or null
 * @param routes          the compiled routes, in order; empty without VirtualService
 * @param defaultClusters clusters for the no-VirtualService default route, by service port
 * @param origin          where the routes came from, for messages ({@code VirtualService ns/name}, or the route
 *                        model's virtual host), or null for a service without routes (its default route applies)
 */
public record HostEntry(String host, MeshService service, String virtualService, List<CompiledRoute> routes,
                        Map<Integer, Cluster> defaultClusters, String origin) {

    /** The entry of an Istio host: routed by {@code virtualService} ({@code ns/name}) or, when null, by default. */
    static HostEntry istio(String host, MeshService service, String virtualService, List<CompiledRoute> routes,
                           Map<Integer, Cluster> defaultClusters) {
        return new HostEntry(host, service, virtualService, routes, defaultClusters,
                virtualService == null ? null : "VirtualService " + virtualService);
    }
}
