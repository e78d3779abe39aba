package io.proxyless.mesh.api.analysis;

import io.proxyless.mesh.api.Gateway;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.Server;
import io.proxyless.mesh.api.kubernetes.KubernetesService;
import io.proxyless.mesh.api.kubernetes.Pod;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Istio's {@code gateway.IngressGatewayPortAnalyzer}: a Gateway's selector must pick a Pod (IST0101
 * {@code selector}; the default ingress gateway counts, see {@link AnalysisInput}), and each server port must be a TCP port (or target port) of a Service in that
 * Pod's namespace that selects it (IST0162): otherwise the port is not reachable through the gateway's Service.
 */
final class GatewayPortAnalyzer implements Analyzer {

    @Override
    public void analyze(AnalysisInput input, List<Problem> findings) {
        for (Resource<Gateway> g : input.<Gateway>all(ResourceKind.GATEWAY)) {
            Set<Integer> ports = new HashSet<>();
            int selected = 0;
            for (Pod pod : input.pods()) {
                if (!Analyzers.selects(g.spec().selector(), pod.metadata().labels())) {
                    continue;
                }
                selected++;
                for (KubernetesService s : input.services()) {
                    if (!s.namespace().equals(pod.namespace())
                            || !Analyzers.selects(s.selector(), pod.metadata().labels())) {
                        continue;
                    }
                    for (KubernetesService.Port p : s.ports()) {
                        if (!p.protocol().equals("TCP")) {
                            continue;
                        }
                        // A numeric target port is where the pod listens; the service port maps to it.
                        Integer target = number(p.targetPort());
                        if (target != null && target != 0) {
                            ports.add(target);
                        }
                        ports.add(p.port());
                    }
                }
            }
            String selector = Analyzers.selectorString(g.spec().selector());
            if (selected == 0) {
                findings.add(AnalysisMessage.REFERENCED_RESOURCE_NOT_FOUND.at(g, "spec.selector",
                        AnalysisMessage.notFound("selector", selector)));
                continue;
            }
            for (int i = 0; i < g.spec().servers().size(); i++) {
                Server server = g.spec().servers().get(i);
                if (server.port() == null || server.port().number() == null) {
                    continue;
                }
                if (!ports.contains(server.port().number())) {
                    findings.add(AnalysisMessage.GATEWAY_PORT_NOT_DEFINED_ON_SERVICE.at(g, "spec.servers[" + i
                            + "].port.number", "The gateway is listening on a target port (port "
                            + server.port().number() + ") that is not defined in the Service associated with its"
                            + " workload instances (Pod selector " + selector + "). If you need to access the gateway"
                            + " port through the gateway Service, it will not be available."));
                }
            }
        }
    }

    private static Integer number(String port) {
        if (port == null) {
            return null;
        }
        try {
            return Integer.parseInt(port);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
