package io.proxyless.mesh.api.analysis;

import io.proxyless.mesh.api.Metadata;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.Sidecar;
import io.proxyless.mesh.api.kubernetes.Pod;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Istio's {@code sidecar.SelectorAnalyzer}: a namespace may hold one Sidecar without {@code workloadSelector}
 * (IST0111 for each when there are several), and a workload may be selected by one Sidecar (IST0110 for each of
 * several); which one applies is undefined. A selector must pick a Pod of its namespace (IST0101
 * {@code selector}), and a Sidecar for workloads in ambient mode has no effect (IST0167).
 *
 * <p>Deviation: the selector checks run only when the config holds Pods at all (Istio runs them always), since a
 * proxyless client, the workload its Sidecar selects, is rarely described in its own config.
 */
final class SidecarSelectorAnalyzer implements Analyzer {
    private static final String AMBIENT_REDIRECTION = "ambient.istio.io/redirection";

    @Override
    public void analyze(AnalysisInput input, List<Problem> findings) {
        Map<Pod, List<Resource<Sidecar>>> byPod = new LinkedHashMap<>();
        Map<String, List<Resource<Sidecar>>> withoutSelector = new LinkedHashMap<>();
        for (Resource<Sidecar> r : input.<Sidecar>all(ResourceKind.SIDECAR)) {
            Sidecar sidecar = r.spec();
            if (sidecar.workloadSelector() == null || sidecar.workloadSelector().labels().isEmpty()) {
                withoutSelector.computeIfAbsent(r.namespace(), k -> new ArrayList<>()).add(r);
                continue;
            }
            if (!input.hasLoadedPods()) {
                continue;
            }
            Map<String, String> selector = sidecar.workloadSelector().labels();
            boolean found = false;
            for (Pod pod : input.pods()) {
                if (pod.namespace().equals(r.namespace()) && Analyzers.selects(selector, pod.metadata().labels())) {
                    found = true;
                    byPod.computeIfAbsent(pod, p -> new ArrayList<>()).add(r);
                }
            }
            if (!found) {
                findings.add(AnalysisMessage.REFERENCED_RESOURCE_NOT_FOUND.at(r, "spec.workloadSelector.labels",
                        AnalysisMessage.notFound("selector", Analyzers.selectorString(selector))));
            }
        }
        Set<String> reported = new HashSet<>();
        for (Map.Entry<Pod, List<Resource<Sidecar>>> e : byPod.entrySet()) {
            Pod pod = e.getKey();
            boolean ambient = "enabled".equals(pod.metadata().annotations().get(AMBIENT_REDIRECTION));
            if (e.getValue().size() == 1 && !ambient) {
                continue;
            }
            String names = names(e.getValue());
            for (Resource<Sidecar> r : e.getValue()) {
                if (ambient) {
                    if (reported.add(r.metadata().key())) {
                        findings.add(AnalysisMessage.INEFFECTIVE_POLICY.at(r, "metadata.name", "The policy has no"
                                + " impact: selected workload is in ambient mode, the policy has no impact."));
                    }
                    continue;
                }
                findings.add(AnalysisMessage.CONFLICTING_SIDECAR_WORKLOAD_SELECTORS.at(r, "metadata.name",
                        "The Sidecars " + names + " in namespace " + Analyzers.quote(pod.namespace())
                                + " select the same workload pod " + Analyzers.quote(pod.name())
                                + ", which can lead to undefined behavior."));
            }
        }
        for (Map.Entry<String, List<Resource<Sidecar>>> e : withoutSelector.entrySet()) {
            if (input.kubernetes().namespace(e.getKey()).map(SidecarSelectorAnalyzer::ambient).orElse(false)) {
                for (Resource<Sidecar> r : e.getValue()) {
                    if (reported.add(r.metadata().key())) {
                        findings.add(AnalysisMessage.INEFFECTIVE_POLICY.at(r, "metadata.name", "The policy has no"
                                + " impact: namespace is in ambient mode, the policy has no impact."));
                    }
                }
                continue;
            }
            if (e.getValue().size() > 1) {
                String names = names(e.getValue());
                for (Resource<Sidecar> r : e.getValue()) {
                    findings.add(AnalysisMessage.MULTIPLE_SIDECARS_WITHOUT_WORKLOAD_SELECTORS.at(r, "metadata.name",
                            "The Sidecars " + names + " in namespace " + Analyzers.quote(e.getKey())
                                    + " have no workload selector, which can lead to undefined behavior."));
                }
            }
        }
    }

    /** A namespace in ambient mode, unless it also asks for sidecar injection. */
    private static boolean ambient(Metadata namespace) {
        Map<String, String> labels = namespace.labels();
        if ("enabled".equals(labels.get("istio-injection"))) {
            return false;
        }
        String revision = labels.get("istio.io/rev");
        if (revision != null && !revision.isEmpty()) {
            return false;
        }
        return "ambient".equals(labels.get("istio.io/dataplane-mode"));
    }

    private static String names(List<Resource<Sidecar>> sidecars) {
        return Analyzers.goList(sidecars.stream().map(Resource::name).sorted().toList());
    }
}
