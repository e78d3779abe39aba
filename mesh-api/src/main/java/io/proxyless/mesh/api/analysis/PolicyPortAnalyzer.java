package io.proxyless.mesh.api.analysis;

import io.proxyless.mesh.api.AuthorizationPolicy;
import io.proxyless.mesh.api.Condition;
import io.proxyless.mesh.api.PeerAuthentication;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.Rule;
import io.proxyless.mesh.api.ServiceEntry;
import io.proxyless.mesh.api.ServicePort;
import io.proxyless.mesh.api.Severity;
import io.proxyless.mesh.api.WorkloadEntry;
import io.proxyless.mesh.api.WorkloadSelectorV1beta1;
import io.proxyless.mesh.api.kubernetes.KubernetesService;
import io.proxyless.mesh.api.kubernetes.Pod;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A security policy that names a port the workloads it selects don't serve: PeerAuthentication
 * {@code portLevelMtls} keys, AuthorizationPolicy {@code to.operation.ports}/{@code notPorts} and {@code when}
 * {@code destination.port}. The server port of a workload is the port its endpoint listens on (a ServiceEntry
 * endpoint's or WorkloadEntry's {@code ports}, else the service port's {@code targetPort}, else its number; a
 * Kubernetes Service's numeric {@code targetPort} for the Pods it selects). Only policies with a selector are
 * checked, and only when every workload they select has known ports; a warning, since the workload may serve
 * ports no service declares. Not one of Istio's analyzers (no code).
 */
final class PolicyPortAnalyzer implements Analyzer {
    private static final String ROOT_NAMESPACE = "istio-system";

    /** One workload of the config: its namespace, labels and the ports it serves (null: unknown). */
    private record Workload(String namespace, Map<String, String> labels, Set<Integer> ports) {
    }

    @Override
    public void analyze(AnalysisInput input, List<Problem> findings) {
        List<Workload> workloads = workloads(input);
        for (Resource<PeerAuthentication> r : input.<PeerAuthentication>all(ResourceKind.PEER_AUTHENTICATION)) {
            Set<Integer> served = served(workloads, r.namespace(), r.spec().selector());
            if (served == null) {
                continue;
            }
            for (String key : r.spec().portLevelMtls().keySet()) {
                check(r, "spec.portLevelMtls." + key, key, served, "portLevelMtls", findings);
            }
        }
        for (Resource<AuthorizationPolicy> r : input.<AuthorizationPolicy>all(ResourceKind.AUTHORIZATION_POLICY)) {
            Set<Integer> served = served(workloads, r.namespace(), r.spec().selector());
            if (served == null) {
                continue;
            }
            List<Rule> rules = r.spec().rules();
            for (int i = 0; i < rules.size(); i++) {
                Rule rule = rules.get(i);
                if (rule == null) {
                    continue;
                }
                String at = "spec.rules[" + i + "]";
                for (int j = 0; j < rule.to().size(); j++) {
                    Rule.To to = rule.to().get(j);
                    if (to == null || to.operation() == null) {
                        continue;
                    }
                    String op = at + ".to[" + j + "].operation.";
                    list(r, op + "ports", to.operation().ports(), served, findings);
                    list(r, op + "notPorts", to.operation().notPorts(), served, findings);
                }
                for (int j = 0; j < rule.when().size(); j++) {
                    Condition c = rule.when().get(j);
                    if (c != null && "destination.port".equals(c.key())) {
                        list(r, at + ".when[" + j + "].values", c.values(), served, findings);
                        list(r, at + ".when[" + j + "].notValues", c.notValues(), served, findings);
                    }
                }
            }
        }
    }

    private static void list(Resource<?> r, String path, List<String> ports, Set<Integer> served,
                             List<Problem> findings) {
        for (int i = 0; i < ports.size(); i++) {
            check(r, path + "[" + i + "]", ports.get(i), served, "port", findings);
        }
    }

    private static void check(Resource<?> r, String path, String port, Set<Integer> served, String what,
                              List<Problem> findings) {
        Integer number = number(port);
        if (number != null && !served.contains(number)) {
            findings.add(r.problem(Severity.WARNING, path, what + " " + port + " is not a port the selected "
                    + "workloads serve (they serve " + new TreeSet<>(served) + "), so it never applies"));
        }
    }

    /**
     * The ports the workloads {@code selector} selects serve, or null when the policy has no selector, selects no
     * known workload, or one of them has ports that are not known.
     */
    private static Set<Integer> served(List<Workload> workloads, String namespace,
                                       WorkloadSelectorV1beta1 selector) {
        if (selector == null || selector.matchLabels().isEmpty()) {
            return null;
        }
        Set<Integer> ports = new TreeSet<>();
        boolean any = false;
        for (Workload w : workloads) {
            boolean inScope = w.namespace().equals(namespace) || namespace.equals(ROOT_NAMESPACE);
            if (inScope && Analyzers.selects(selector.matchLabels(), w.labels())) {
                if (w.ports() == null) {
                    return null;
                }
                any = true;
                ports.addAll(w.ports());
            }
        }
        return any ? ports : null;
    }

    private static List<Workload> workloads(AnalysisInput input) {
        List<Workload> out = new ArrayList<>();
        List<Resource<WorkloadEntry>> entries = input.all(ResourceKind.WORKLOAD_ENTRY);
        for (Resource<ServiceEntry> se : input.<ServiceEntry>all(ResourceKind.SERVICE_ENTRY)) {
            List<ServicePort> ports = se.spec().ports();
            for (WorkloadEntry e : se.spec().endpoints()) {
                if (e != null) {
                    out.add(new Workload(se.namespace(), e.labels(), endpointPorts(ports, e)));
                }
            }
            if (se.spec().workloadSelector() != null) {
                for (Resource<WorkloadEntry> we : entries) {
                    if (we.namespace().equals(se.namespace())
                            && Analyzers.selects(se.spec().workloadSelector().labels(), we.spec().labels())) {
                        out.add(new Workload(we.namespace(), we.spec().labels(), endpointPorts(ports, we.spec())));
                    }
                }
            }
        }
        for (KubernetesService s : input.kubernetes().services()) {
            if (s.selector() == null || s.selector().isEmpty()) {
                continue;
            }
            Set<Integer> ports = new TreeSet<>();
            for (KubernetesService.Port p : s.ports()) {
                Integer target = p.targetPort() == null ? Integer.valueOf(p.port()) : number(p.targetPort());
                if (target == null) {
                    ports = null; // a named targetPort: the Pod's container port is not loaded
                    break;
                }
                ports.add(target);
            }
            for (Pod pod : input.kubernetes().pods()) {
                if (pod.namespace().equals(s.namespace())
                        && Analyzers.selects(s.selector(), pod.metadata().labels())) {
                    out.add(new Workload(pod.namespace(), pod.metadata().labels(), ports));
                }
            }
        }
        return out;
    }

    private static Set<Integer> endpointPorts(List<ServicePort> ports, WorkloadEntry e) {
        Set<Integer> out = new TreeSet<>();
        for (ServicePort p : ports) {
            if (p == null || p.number() == null) {
                continue;
            }
            Integer mapped = p.name() == null ? null : e.ports().get(p.name());
            out.add(mapped != null ? mapped : p.targetPort() != null ? p.targetPort() : p.number());
        }
        return out;
    }

    private static Integer number(String port) {
        if (port == null || port.isEmpty() || port.length() > 5
                || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        return Integer.parseInt(port);
    }
}
