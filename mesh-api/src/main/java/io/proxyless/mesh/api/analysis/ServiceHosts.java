package io.proxyless.mesh.api.analysis;

import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.ServiceEntry;
import io.proxyless.mesh.api.ServicePort;
import io.proxyless.mesh.api.kubernetes.KubernetesService;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The hosts services define, as Istio's analyzers see them: every ServiceEntry host and every Kubernetes
 * Service's {@code NAME.NAMESPACE.svc.cluster.local}, each under the namespaces it is exported to ({@code *} for
 * all). A Kubernetes Service counts as a ServiceEntry with that one host and its ports, exported as its
 * {@code networking.istio.io/exportTo} annotation says.
 */
final class ServiceHosts {
    /** A service as the analyses need it: its port numbers and the workload labels its entry selects. */
    record Service(List<Integer> ports, Map<String, String> workloadSelector) {
    }

    // "scope/fqdn" -> service; insertion ordered so that wildcard lookups are deterministic.
    private final Map<String, Service> byScopedHost = new LinkedHashMap<>();

    static ServiceHosts of(AnalysisInput input) {
        ServiceHosts hosts = new ServiceHosts();
        for (Resource<ServiceEntry> r : input.<ServiceEntry>all(ResourceKind.SERVICE_ENTRY)) {
            ServiceEntry se = r.spec();
            List<Integer> ports = new ArrayList<>();
            for (ServicePort p : se.ports()) {
                ports.add(p.number() == null ? 0 : p.number());
            }
            Service service = new Service(List.copyOf(ports),
                    se.workloadSelector() == null ? Map.of() : se.workloadSelector().labels());
            for (String scope : Analyzers.exportScopes(se.exportTo(), r.namespace())) {
                for (String h : se.hosts()) {
                    hosts.byScopedHost.put(scope + "/" + Analyzers.fqdn(r.namespace(), h), service);
                }
            }
        }
        for (KubernetesService s : input.services()) {
            List<Integer> ports = s.ports().stream().map(KubernetesService.Port::port).toList();
            Service service = new Service(ports, Map.of());
            for (String scope : s.exportTo()) {
                String visibleIn = scope.equals(".") ? s.namespace() : scope;
                hosts.byScopedHost.put(visibleIn + "/" + s.hostName(), service);
            }
        }
        return hosts;
    }

    /**
     * The service for {@code host} as a resource in {@code namespace} with {@code exportTo} sees it, or null:
     * first services exported to all namespaces, then those exported to the namespaces the resource itself is
     * exported to (its own when unset), then wildcard hosts visible in its namespace.
     */
    Service lookup(String namespace, List<String> exportTo, String host) {
        String fqdn = Analyzers.fqdn(namespace, host);
        Service s = byScopedHost.get("*/" + fqdn);
        if (s != null) {
            return s;
        }
        if (exportTo.isEmpty()) {
            s = byScopedHost.get(namespace + "/" + fqdn);
            if (s != null) {
                return s;
            }
        } else {
            for (String e : exportTo) {
                s = byScopedHost.get((e.equals(".") ? namespace : e) + "/" + fqdn);
                if (s != null) {
                    return s;
                }
            }
        }
        String name = host.startsWith("*") ? host.substring(1) : host;
        for (Map.Entry<String, Service> e : byScopedHost.entrySet()) {
            int slash = e.getKey().indexOf('/');
            String scope = e.getKey().substring(0, slash);
            String seHost = e.getKey().substring(slash + 1);
            if (!seHost.startsWith("*") || !(scope.equals("*") || scope.equals(namespace))) {
                continue;
            }
            if (name.endsWith(seHost.substring(1))) {
                return e.getValue();
            }
        }
        return null;
    }
}
