package io.proxyless.mesh.runtime.registry;

import io.proxyless.mesh.api.HostName;
import io.proxyless.mesh.api.Metadata;
import io.proxyless.mesh.api.ServiceEntry.Location;
import io.proxyless.mesh.api.ServiceEntry.Resolution;
import io.proxyless.mesh.api.kubernetes.KubernetesObjects;
import io.proxyless.mesh.api.kubernetes.KubernetesService;
import io.proxyless.mesh.api.kubernetes.Pod;
import io.proxyless.mesh.api.kubernetes.ServiceEndpoints;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Kubernetes Services as istiod's Kubernetes registry makes them services of the mesh
 * ({@code serviceregistry/kube/conversion.go}, {@code endpointslice.go}):
 * <ul>
 *   <li>the host is {@code NAME.NAMESPACE.svc.<domain>}, internal to the mesh, visible where the
 *       {@code networking.istio.io/exportTo} annotation says (everywhere without it);</li>
 *   <li>each port keeps its name, and its protocol comes from {@code appProtocol}, else from the name's prefix
 *       ({@code http-web} is HTTP, {@code grpc} is GRPC), else is left to detection (empty);</li>
 *   <li>the endpoints are the ready addresses of the Service's EndpointSlices (or Endpoints), each on the
 *       endpoint port with the service port's name; their labels are those of the Pod they name
 *       ({@code targetRef}), so DestinationRule subsets select them, and their locality comes from the Pod's Node.
 *       Without any EndpointSlice or Endpoints, the Pods the selector picks (with {@code status.podIP}) are the
 *       endpoints, on the port's numeric {@code targetPort};</li>
 *   <li>an {@code ExternalName} Service whose external name is the host of a service of the mesh (a Kubernetes
 *       Service or a ServiceEntry) is an alias of that service, as in Istio 1.21 and later
 *       ({@code ENABLE_EXTERNAL_NAME_ALIAS}, on by default): no service of its own, its ports ignored
 *       ({@link ServiceAlias}). One naming any other host resolves by DNS to that name, on its own ports;</li>
 *   <li>where a ServiceEntry in the same namespace names the same host, the Kubernetes Service defines the
 *       service (Istio gives it precedence) and the ServiceEntry's endpoints join its own by port name.</li>
 * </ul>
 * Not-ready addresses are left out: istiod sends them as unhealthy, and Envoy does not balance onto them.
 */
final class KubernetesServices {
    private static final Set<String> PROTOCOLS = Set.of("TCP", "UDP", "GRPC", "GRPC-WEB", "HTTP", "HTTP_PROXY",
            "HTTP2", "HTTPS", "TLS", "MONGO", "REDIS", "MYSQL");

    private KubernetesServices() {
    }

    /**
     * A draft per Service but the aliases ({@link #aliases}), ordered after {@code firstOrder} drafts already made;
     * {@code entryHosts} are the hosts of the ServiceEntries.
     */
    static List<ServiceRegistry.Draft> drafts(KubernetesObjects objects, String domainSuffix, int firstOrder,
                                              Set<String> entryHosts) {
        Set<String> meshHosts = meshHosts(objects, domainSuffix, entryHosts);
        List<ServiceRegistry.Draft> drafts = new ArrayList<>();
        for (KubernetesService s : objects.services()) {
            if (aliasTarget(s, meshHosts) != null) {
                continue;
            }
            String host = host(s, domainSuffix);
            List<ServicePortSpec> ports = new ArrayList<>();
            for (KubernetesService.Port p : s.ports()) {
                ports.add(new ServicePortSpec(p.port(), p.name(), protocol(p), number(p.targetPort())));
            }
            boolean external = isExternalName(s);
            Map<String, List<Endpoint>> endpoints = external ? externalName(s, ports)
                    : endpoints(s, ports, objects);
            drafts.add(new ServiceRegistry.Draft(firstOrder + drafts.size(), s.namespace(),
                    s.namespace() + "/" + s.name(), true, s.metadata().labels(), Map.of(), List.of(), List.of(), host,
                    ports, external ? Resolution.DNS : Resolution.STATIC, Location.MESH_INTERNAL,
                    HostVisibility.normalizeExportTo(s.namespace(), s.exportTo()), endpoints));
        }
        return drafts;
    }

    /**
     * The {@code ExternalName} Services that name a service of the mesh, each an alias of it. Istio decides this
     * over the whole registry, before any client's view: whether the client can see the named service is the
     * registry's question.
     */
    static List<ServiceAlias> aliases(KubernetesObjects objects, String domainSuffix, Set<String> entryHosts) {
        Set<String> meshHosts = meshHosts(objects, domainSuffix, entryHosts);
        List<ServiceAlias> out = new ArrayList<>();
        for (KubernetesService s : objects.services()) {
            String target = aliasTarget(s, meshHosts);
            if (target != null) {
                out.add(new ServiceAlias(host(s, domainSuffix), target, s.namespace(), s.namespace() + "/" + s.name(),
                        HostVisibility.normalizeExportTo(s.namespace(), s.exportTo())));
            }
        }
        return out;
    }

    /**
     * The hosts an {@code ExternalName} can alias: those of the ServiceEntries and of the other Kubernetes
     * Services. An {@code ExternalName} naming another {@code ExternalName} is not followed (Istio does not
     * chain aliases): it stays a DNS name.
     */
    private static Set<String> meshHosts(KubernetesObjects objects, String domainSuffix, Set<String> entryHosts) {
        Set<String> hosts = new HashSet<>(entryHosts);
        for (KubernetesService s : objects.services()) {
            if (!isExternalName(s)) {
                hosts.add(host(s, domainSuffix));
            }
        }
        return hosts;
    }

    /** The mesh host {@code s} is an alias of, or null when it is no alias. */
    private static String aliasTarget(KubernetesService s, Set<String> meshHosts) {
        if (!isExternalName(s) || s.externalName() == null || s.externalName().isBlank()) {
            return null;
        }
        String target = HostName.of(s.externalName().trim()).toString();
        return meshHosts.contains(target) ? target : null;
    }

    private static boolean isExternalName(KubernetesService s) {
        return "ExternalName".equals(s.type());
    }

    private static String host(KubernetesService s, String domainSuffix) {
        return s.name() + "." + s.namespace() + ".svc." + domainSuffix;
    }

    /** Istio's {@code kube.ConvertProtocol}: {@code appProtocol} first, then the port name's prefix. */
    static String protocol(KubernetesService.Port port) {
        if ("UDP".equalsIgnoreCase(port.protocol())) {
            return "UDP";
        }
        String app = port.appProtocol();
        if (app != null) {
            switch (app) {
                case "kubernetes.io/h2c" -> {
                    return "HTTP2";
                }
                case "kubernetes.io/ws" -> {
                    return "HTTP";
                }
                case "kubernetes.io/wss" -> {
                    return "HTTPS";
                }
                default -> {
                    String parsed = app.toUpperCase(Locale.ROOT);
                    if (PROTOCOLS.contains(parsed)) {
                        return parsed;
                    }
                }
            }
        }
        String name = port.name() == null ? "" : port.name().toUpperCase(Locale.ROOT);
        if (name.equals("GRPC-WEB") || name.startsWith("GRPC-WEB-")) {
            return "GRPC-WEB";
        }
        int dash = name.indexOf('-');
        String prefix = dash < 0 ? name : name.substring(0, dash);
        return PROTOCOLS.contains(prefix) ? prefix : "";
    }

    private static Map<String, List<Endpoint>> externalName(KubernetesService s, List<ServicePortSpec> ports) {
        Map<String, List<Endpoint>> byName = new LinkedHashMap<>();
        if (s.externalName() != null && !s.externalName().isEmpty()) {
            for (ServicePortSpec p : ports) {
                byName.put(p.name(), List.of(Endpoint.of(s.externalName(), p.number())));
            }
        }
        return byName;
    }

    private static Map<String, List<Endpoint>> endpoints(KubernetesService s, List<ServicePortSpec> ports,
                                                         KubernetesObjects objects) {
        Map<String, List<Endpoint>> byName = new LinkedHashMap<>();
        List<ServiceEndpoints> lists = objects.endpoints().stream()
                .filter(e -> e.namespace().equals(s.namespace()) && s.name().equals(e.service())).toList();
        // Istio prefers EndpointSlices; Endpoints objects count only for a Service that has no slice.
        List<ServiceEndpoints> slices = lists.stream().filter(e -> e.kind().equals("EndpointSlice")).toList();
        for (ServiceEndpoints list : slices.isEmpty() ? lists : slices) {
            for (ServiceEndpoints.EndpointPort endpointPort : list.ports()) {
                if (ports.stream().noneMatch(p -> p.name().equals(endpointPort.name()))) {
                    continue;
                }
                List<Endpoint> out = byName.computeIfAbsent(endpointPort.name(), k -> new ArrayList<>());
                for (ServiceEndpoints.Endpoint e : list.endpoints()) {
                    if (!e.ready()) {
                        continue;
                    }
                    Optional<Pod> pod = e.pod() == null ? Optional.empty() : objects.pod(s.namespace(), e.pod());
                    out.add(new Endpoint(e.address(), endpointPort.port(),
                            pod.map(p -> p.metadata().labels()).orElse(Map.of()), locality(pod, objects), 1, "", null));
                }
            }
        }
        if (lists.isEmpty() && !s.selector().isEmpty()) {
            for (Pod pod : objects.pods()) {
                if (!pod.namespace().equals(s.namespace()) || pod.podIp() == null
                        || !EndpointTable.carries(pod.metadata().labels(), s.selector())) {
                    continue;
                }
                for (ServicePortSpec p : ports) {
                    byName.computeIfAbsent(p.name(), k -> new ArrayList<>()).add(new Endpoint(pod.podIp(),
                            p.endpointPort(), pod.metadata().labels(), locality(Optional.of(pod), objects), 1, "",
                            null));
                }
            }
        }
        return byName;
    }

    /** {@code region/zone/subzone} from the topology labels of the Pod's Node, as istiod derives it. */
    private static String locality(Optional<Pod> pod, KubernetesObjects objects) {
        Optional<Metadata> node = pod.map(Pod::nodeName).flatMap(objects::node);
        if (node.isEmpty()) {
            return "";
        }
        Map<String, String> labels = node.get().labels();
        String region = labels.getOrDefault("topology.kubernetes.io/region", "");
        String zone = labels.getOrDefault("topology.kubernetes.io/zone", "");
        String subzone = labels.getOrDefault("topology.istio.io/subzone", "");
        if (region.isEmpty() && zone.isEmpty() && subzone.isEmpty()) {
            return "";
        }
        return subzone.isEmpty() ? region + "/" + zone : region + "/" + zone + "/" + subzone;
    }

    private static int number(String targetPort) {
        if (targetPort == null) {
            return 0;
        }
        try {
            return Math.max(0, Integer.parseInt(targetPort));
        } catch (NumberFormatException e) {
            return 0; // a container port name: unknown without the pod spec; the service port is used
        }
    }
}
