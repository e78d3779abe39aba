package io.proxyless.mesh.runtime.registry;

import java.util.Set;

/**
 * A Kubernetes {@code ExternalName} Service that names a service of the mesh: since Istio 1.21
 * ({@code ENABLE_EXTERNAL_NAME_ALIAS}) it is only another name of that service, as the DNS {@code CNAME} Kubernetes
 * makes of it is. A request to the alias gets the named service's routes, endpoints and policies, as if the
 * named host had been called (Envoy: the alias is one more domain of the named service's virtual host).
 *
 * @param host      the alias, {@code NAME.NAMESPACE.svc.<domain>}
 * @param target    the host of the service it names (its {@code externalName})
 * @param namespace the namespace of the {@code ExternalName} Service
 * @param key       {@code namespace/name} of that Service
 * @param exportTo  the namespaces it is visible to (its {@code networking.istio.io/exportTo} annotation)
 */
public record ServiceAlias(String host, String target, String namespace, String key, Set<String> exportTo) {
    public ServiceAlias {
        exportTo = Set.copyOf(exportTo);
    }
}
