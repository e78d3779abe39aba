package io.proxyless.mesh.api.analysis;

import io.proxyless.mesh.api.Metadata;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.ServiceEntry;
import io.proxyless.mesh.api.WorkloadEntry;
import io.proxyless.mesh.api.kubernetes.KubernetesObjects;
import io.proxyless.mesh.api.kubernetes.KubernetesService;
import io.proxyless.mesh.api.kubernetes.Pod;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything an analyzer may look at: the Istio resources and Kubernetes objects loaded, in load order.
 *
 * <p>Like {@code istioctl analyze} on files, the analyses also see Istio's default ingress gateway (a Pod labelled
 * {@code istio: ingressgateway} and the Service {@code istio-system/istio-ingressgateway} with ports 80, 443,
 * 31400 and 15443) unless the config defines that Service itself: Gateways for the default ingress gateway are
 * then checked against it. These two objects exist for the analyses only, never in a registry.
 *
 * @param resources          Istio resources
 * @param kubernetes         Services, endpoints, Pods, Namespaces and Nodes
 * @param allocatedAddresses {@code ServiceEntry ns/name} of the entries whose {@code status} lists addresses
 *                           istiod allocated
 * @param now                the time certificates are checked against
 */
record AnalysisInput(List<Resource<?>> resources, KubernetesObjects kubernetes, Set<String> allocatedAddresses,
                     Instant now) {
    static final String INGRESS_NAMESPACE = "istio-system";
    static final String INGRESS_SERVICE = "istio-ingressgateway";
    private static final Map<String, String> INGRESS_LABELS = Map.of("istio", "ingressgateway");

    @SuppressWarnings("unchecked")
    <S> List<Resource<S>> all(ResourceKind kind) {
        return resources.stream().filter(r -> r.kind() == kind).map(r -> (Resource<S>) r).toList();
    }

    /**
     * Whether Pods were loaded at all. The Sidecar selector analysis runs only then: config files without any
     * Pod say nothing about which workloads exist, and a proxyless client (the workload a Sidecar selects) is
     * rarely described in its own config.
     */
    boolean hasLoadedPods() {
        return !kubernetes.pods().isEmpty();
    }

    private boolean definesDefaultIngress() {
        return kubernetes.services().stream()
                .anyMatch(s -> s.namespace().equals(INGRESS_NAMESPACE) && s.name().equals(INGRESS_SERVICE));
    }

    /** The loaded Pods and, unless the config defines the default ingress gateway's Service, its Pod. */
    List<Pod> pods() {
        if (definesDefaultIngress()) {
            return kubernetes.pods();
        }
        List<Pod> pods = new ArrayList<>(kubernetes.pods());
        pods.add(new Pod(new Metadata(INGRESS_SERVICE + "-dummypod", INGRESS_NAMESPACE, INGRESS_LABELS, Map.of()),
                null, null, null));
        return pods;
    }

    /** The loaded Services and, unless the config defines it, the default ingress gateway's. */
    List<KubernetesService> services() {
        if (definesDefaultIngress()) {
            return kubernetes.services();
        }
        List<KubernetesService> services = new ArrayList<>(kubernetes.services());
        List<KubernetesService.Port> ports = new ArrayList<>();
        for (int port : new int[] {80, 443, 31400, 15443}) {
            ports.add(new KubernetesService.Port(null, port, String.valueOf(port), "TCP", null));
        }
        services.add(new KubernetesService(Metadata.of(INGRESS_SERVICE, INGRESS_NAMESPACE), null, INGRESS_LABELS, ports,
                null, null));
        return services;
    }

    /**
     * The labels of every workload the mesh knows: Pods (with the topology labels of their Node, as istiod adds
     * them), WorkloadEntries and the inline endpoints of ServiceEntries.
     */
    List<Map<String, String>> workloadLabels() {
        List<Map<String, String>> out = new ArrayList<>();
        for (Pod pod : pods()) {
            Map<String, String> labels = new HashMap<>(pod.metadata().labels());
            if (pod.nodeName() != null && !pod.nodeName().isEmpty()) {
                kubernetes.node(pod.nodeName()).ifPresent(node -> {
                    for (String key : List.of("topology.kubernetes.io/region", "topology.kubernetes.io/zone",
                            "topology.istio.io/subzone")) {
                        String value = node.labels().get(key);
                        if (value != null && !value.isEmpty()) {
                            labels.put(key, value);
                        }
                    }
                });
                labels.put("kubernetes.io/hostname", pod.nodeName());
            }
            out.add(labels);
        }
        for (Resource<WorkloadEntry> we : this.<WorkloadEntry>all(ResourceKind.WORKLOAD_ENTRY)) {
            out.add(we.spec().labels());
        }
        for (Resource<ServiceEntry> se : this.<ServiceEntry>all(ResourceKind.SERVICE_ENTRY)) {
            for (WorkloadEntry endpoint : se.spec().endpoints()) {
                out.add(endpoint.labels());
            }
        }
        return out;
    }
}
