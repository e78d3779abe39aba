package io.proxyless.mesh.api.kubernetes;

import io.proxyless.mesh.api.Immutables;
import io.proxyless.mesh.api.Metadata;
import java.util.List;
import java.util.Optional;

/**
 * The Kubernetes objects found in config files besides Istio resources, in load order.
 *
 * @param services  {@code v1 Service}s
 * @param endpoints {@code EndpointSlice}s and {@code Endpoints}
 * @param pods       {@code v1 Pod}s
 * @param namespaces the metadata of {@code v1 Namespace}s (their labels say whether a namespace is in ambient
 *                   mode or has sidecar injection)
 * @param nodes      the metadata of {@code v1 Node}s (their topology labels are the locality of their pods)
 * @param secrets    {@code v1 Secret}s (for the analyses of Gateway credentials only)
 * @param gateways   Gateway API {@code Gateway}s (for the analyses of VirtualService gateways only)
 */
public record KubernetesObjects(List<KubernetesService> services, List<ServiceEndpoints> endpoints,
                               List<Pod> pods, List<Metadata> namespaces, List<Metadata> nodes,
                               List<Secret> secrets, List<KubernetesGateway> gateways) {
    public static final KubernetesObjects EMPTY =
            new KubernetesObjects(List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of());

    /** Services, endpoints, Pods, Namespaces and Nodes only. */
    public KubernetesObjects(List<KubernetesService> services, List<ServiceEndpoints> endpoints, List<Pod> pods,
                             List<Metadata> namespaces, List<Metadata> nodes) {
        this(services, endpoints, pods, namespaces, nodes, List.of(), List.of());
    }

    public KubernetesObjects {
        services = Immutables.list(services);
        endpoints = Immutables.list(endpoints);
        pods = Immutables.list(pods);
        namespaces = Immutables.list(namespaces);
        nodes = Immutables.list(nodes);
        secrets = Immutables.list(secrets);
        gateways = Immutables.list(gateways);
    }

    public boolean isEmpty() {
        return services.isEmpty() && endpoints.isEmpty() && pods.isEmpty() && namespaces.isEmpty()
                && nodes.isEmpty() && secrets.isEmpty() && gateways.isEmpty();
    }

    /** The namespace object named {@code name}, if loaded. */
    public Optional<Metadata> namespace(String name) {
        return namespaces.stream().filter(n -> n.name().equals(name)).findFirst();
    }

    /** The node named {@code name}, if loaded. */
    public Optional<Metadata> node(String name) {
        return nodes.stream().filter(n -> n.name().equals(name)).findFirst();
    }

    /** The pod {@code namespace/name}, if loaded. */
    public Optional<Pod> pod(String namespace, String name) {
        return pods.stream().filter(p -> p.namespace().equals(namespace) && p.name().equals(name)).findFirst();
    }
}
