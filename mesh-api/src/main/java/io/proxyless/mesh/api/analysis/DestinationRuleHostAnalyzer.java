package io.proxyless.mesh.api.analysis;

import io.proxyless.mesh.api.DestinationRule;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.Subset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Istio's {@code destinationrule.SubsetSelectPodAnalyzer}: a DestinationRule's {@code host} must match a service
 * visible to it (IST0174), and each subset's labels (with the labels the ServiceEntry's {@code workloadSelector}
 * requires) must select at least one workload (IST0173): a subset without endpoints fails every request routed
 * to it with 503 UH. Pods carry the topology labels of their Node, as istiod adds them.
 *
 * <p>Deviation: Istio looks at Pods only; here WorkloadEntries and the inline endpoints of ServiceEntries are
 * workloads too, since they are where a proxyless client's endpoints usually come from.
 */
final class DestinationRuleHostAnalyzer implements Analyzer {

    @Override
    public void analyze(AnalysisInput input, List<Problem> findings) {
        ServiceHosts hosts = ServiceHosts.of(input);
        List<Map<String, String>> workloads = input.workloadLabels();
        for (Resource<DestinationRule> r : input.<DestinationRule>all(ResourceKind.DESTINATION_RULE)) {
            DestinationRule dr = r.spec();
            if (dr.host() == null || dr.host().isEmpty()) {
                continue; // a validation error already
            }
            ServiceHosts.Service service = hosts.lookup(r.namespace(), dr.exportTo(), dr.host());
            if (service == null) {
                findings.add(AnalysisMessage.UNKNOWN_DESTINATION_RULE_HOST.at(r, "spec.host", "The host " + dr.host()
                        + " defined in the DestinationRule does not match any services in the mesh."));
                continue;
            }
            for (int i = 0; i < dr.subsets().size(); i++) {
                Subset subset = dr.subsets().get(i);
                Map<String, String> selector = new HashMap<>(service.workloadSelector());
                selector.putAll(subset.labels());
                boolean selected = false;
                for (Map<String, String> labels : workloads) {
                    if (Analyzers.selects(selector, labels)) {
                        selected = true;
                        break;
                    }
                }
                if (!selected) {
                    findings.add(AnalysisMessage.DESTINATION_RULE_SUBSET_NOT_SELECT_PODS.at(r,
                            "spec.subsets[" + i + "]", "The Subset " + subset.name() + " defined in the"
                                    + " DestinationRule does not select any pods. Which may lead to 503 UH"
                                    + " (NoHealthyUpstream)."));
                }
            }
        }
    }
}
