package io.proxyless.mesh.runtime.routing;

import io.proxyless.mesh.runtime.registry.MeshService;
import java.util.List;
import java.util.Map;

/**
 * One host as the compiler resolved it for this client: the service behind it, the VirtualService that owns it
 * (Istio: the oldest visible one) with its routes, and its default clusters per service port.
 *
 * @param host            FQDN (or a wildcard pattern)
 * @param service         the registry's service, or null (a VirtualService for a host no service defines)
 * @param virtualService  {@code ns/name} of the owning VirtualService, or null (the default route applies)
 * @param routes          the owning VirtualService's routes for this client
 * @param defaultClusters the service's clusters without subset, by port
 */
record IstioHost(String host, MeshService service, String virtualService, List<IstioRoute> routes,
                 Map<Integer, IstioCluster> defaultClusters) {
}
