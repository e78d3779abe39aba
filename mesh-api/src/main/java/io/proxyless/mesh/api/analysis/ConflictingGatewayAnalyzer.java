package io.proxyless.mesh.api.analysis;

import io.proxyless.mesh.api.Gateway;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.Server;
import io.proxyless.mesh.api.kubernetes.Pod;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Istio's {@code gateway.ConflictingGatewayAnalyzer} (IST0145): two Gateways for the same workloads (the same
 * selector, or selectors that pick a common Pod) with a server on the same port must not accept the same host
 * with the same {@code bind}; the gateway cannot tell which one a connection is for. As in Istio, hosts are
 * compared as written, and a Gateway that shares no selector with any server (one without servers) gets IST0101
 * {@code selector}.
 */
final class ConflictingGatewayAnalyzer implements Analyzer {

    @Override
    public void analyze(AnalysisInput input, List<Problem> findings) {
        List<Resource<Gateway>> gateways = input.all(ResourceKind.GATEWAY);
        // "selector~port" -> gateway ns/name -> host -> bind. The host maps grow as Istio's do while checking.
        Map<String, Map<String, Map<String, String>>> byKey = new LinkedHashMap<>();
        for (Resource<Gateway> g : gateways) {
            String selector = Analyzers.selectorString(g.spec().selector());
            for (Server server : g.spec().servers()) {
                Map<String, String> hostsBind = new LinkedHashMap<>();
                for (String h : server.hosts()) {
                    hostsBind.put(h, bind(server));
                }
                byKey.computeIfAbsent(selector + "~" + port(server), k -> new LinkedHashMap<>())
                        .put(g.metadata().key(), hostsBind);
            }
        }
        for (Resource<Gateway> g : gateways) {
            analyze(g, byKey, input, findings);
        }
    }

    private static void analyze(Resource<Gateway> g, Map<String, Map<String, Map<String, String>>> byKey,
                                AnalysisInput input, List<Problem> findings) {
        String selector = Analyzers.selectorString(g.spec().selector());
        Map<String, Map<String, Map<String, String>>> sameWorkloads = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, Map<String, String>>> e : byKey.entrySet()) {
            String other = e.getKey().substring(0, e.getKey().lastIndexOf('~'));
            boolean same = other.equals(selector);
            if (!same && (other.contains(selector) || selector.contains(other))) {
                Map<String, String> otherSelector = parseSelector(other);
                for (Pod pod : input.pods()) {
                    if (Analyzers.selects(g.spec().selector(), pod.metadata().labels())
                            && Analyzers.selects(otherSelector, pod.metadata().labels())) {
                        same = true;
                        break;
                    }
                }
            }
            if (same) {
                sameWorkloads.put(e.getKey(), e.getValue());
            }
        }
        if (!selector.isEmpty() && sameWorkloads.isEmpty()) {
            findings.add(AnalysisMessage.REFERENCED_RESOURCE_NOT_FOUND.at(g, "spec.selector",
                    AnalysisMessage.notFound("selector", selector)));
            return;
        }
        for (int i = 0; i < g.spec().servers().size(); i++) {
            Server server = g.spec().servers().get(i);
            String port = port(server);
            List<String> conflicting = new ArrayList<>();
            for (Map.Entry<String, Map<String, Map<String, String>>> e : sameWorkloads.entrySet()) {
                if (!e.getKey().substring(e.getKey().lastIndexOf('~') + 1).equals(port)) {
                    continue;
                }
                for (Map.Entry<String, Map<String, String>> other : e.getValue().entrySet()) {
                    if (!other.getKey().equals(g.metadata().key()) && conflicts(server, other.getValue())) {
                        conflicting.add(other.getKey());
                    }
                }
            }
            if (!conflicting.isEmpty()) {
                conflicting.sort(null);
                findings.add(AnalysisMessage.CONFLICTING_GATEWAYS.at(g, "spec.servers[" + i + "]",
                        "Conflict with gateways " + String.join(",", conflicting) + " (workload selector " + selector
                                + ", port " + port + ", hosts " + String.join(",", server.hosts()) + ")."));
            }
        }
    }

    /**
     * Whether a host of {@code server} is known with the same bind. Like Istio's duplicate check, a server without
     * such a host adds its hosts to the known ones.
     */
    private static boolean conflicts(Server server, Map<String, String> known) {
        boolean duplicate = false;
        for (String h : server.hosts()) {
            if (known.containsKey(h) && Objects.equals(known.get(h), bind(server))) {
                duplicate = true;
            }
        }
        if (!duplicate) {
            for (String h : server.hosts()) {
                known.put(h, bind(server));
            }
        }
        return duplicate;
    }

    private static String bind(Server server) {
        return server.bind() == null ? "" : server.bind();
    }

    private static String port(Server server) {
        return server.port() == null || server.port().number() == null ? "0"
                : String.valueOf(server.port().number());
    }

    private static Map<String, String> parseSelector(String selector) {
        Map<String, String> out = new HashMap<>();
        for (String pair : selector.split(",")) {
            String[] kv = pair.split("=", -1);
            if (kv.length == 2) {
                out.put(kv[0], kv[1]);
            }
        }
        return out;
    }
}
