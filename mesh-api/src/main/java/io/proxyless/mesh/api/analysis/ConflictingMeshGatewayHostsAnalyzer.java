package io.proxyless.mesh.api.analysis;

import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.VirtualService;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Istio's {@code virtualservice.ConflictingMeshGatewayHostsAnalyzer} (IST0109): VirtualServices that apply to the
 * mesh (no {@code gateways}, or {@code mesh} among them) and are visible in the same namespace must not define the
 * same host; sidecars do not merge them, so only one takes effect. Hosts are qualified in each VirtualService's
 * namespace and scoped by its {@code exportTo}; one exported to all namespaces also conflicts with a
 * namespace-scoped one whose host it matches (wildcards included).
 */
final class ConflictingMeshGatewayHostsAnalyzer implements Analyzer {

    @Override
    public void analyze(AnalysisInput input, List<Problem> findings) {
        // "scope/fqdn" -> VirtualServices, in load order.
        Map<String, List<Resource<VirtualService>>> byScopedHost = new LinkedHashMap<>();
        for (Resource<VirtualService> r : input.<VirtualService>all(ResourceKind.VIRTUAL_SERVICE)) {
            VirtualService vs = r.spec();
            if (!vs.gateways().isEmpty() && !vs.gateways().contains("mesh")) {
                continue;
            }
            for (String scope : Analyzers.exportScopes(vs.exportTo(), r.namespace())) {
                for (String h : vs.hosts()) {
                    byScopedHost.computeIfAbsent(scope + "/" + Analyzers.fqdn(r.namespace(), h),
                            k -> new ArrayList<>()).add(r);
                }
            }
        }
        Set<String> reported = new HashSet<>();
        for (Map.Entry<String, List<Resource<VirtualService>>> e : byScopedHost.entrySet()) {
            String scope = e.getKey().substring(0, e.getKey().indexOf('/'));
            String host = e.getKey().substring(e.getKey().indexOf('/') + 1);
            List<Resource<VirtualService>> conflicting = new ArrayList<>(e.getValue());
            if (!scope.equals("*")) {
                for (Map.Entry<String, List<Resource<VirtualService>>> other : byScopedHost.entrySet()) {
                    String otherScope = other.getKey().substring(0, other.getKey().indexOf('/'));
                    String otherHost = other.getKey().substring(other.getKey().indexOf('/') + 1);
                    if (otherScope.equals("*") && Analyzers.hostsMatch(host, otherHost)) {
                        conflicting.addAll(other.getValue());
                    }
                }
            }
            if (conflicting.size() < 2) {
                continue;
            }
            String names = conflicting.stream().map(r -> r.metadata().key()).sorted()
                    .collect(Collectors.joining(","));
            for (Resource<VirtualService> r : conflicting) {
                if (reported.add(r.metadata().key())) {
                    findings.add(AnalysisMessage.CONFLICTING_MESH_GATEWAY_VIRTUAL_SERVICE_HOSTS.at(r, "metadata.name",
                            "The VirtualServices " + names + " associated with mesh gateway define the same host "
                                    + e.getKey() + " which can lead to undefined behavior. This can be fixed by"
                                    + " merging the conflicting VirtualServices into a single resource."));
                }
            }
        }
    }
}
