package io.proxyless.mesh.api.analysis;

import io.proxyless.mesh.api.DestinationRule;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.Subset;
import io.proxyless.mesh.api.VirtualService;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Istio's {@code virtualservice.DestinationRuleAnalyzer}: a route or mirror destination's {@code subset} must be
 * defined by a DestinationRule for that host (IST0101 {@code host+subset in destinationrule}). Hosts are compared
 * as Kubernetes names: {@code NAME.NS.svc.cluster.local} is service NAME in NS, anything else is a name in the
 * namespace of the resource that writes it. Requests routed to an undefined subset fail with 503 (no cluster).
 */
final class VirtualServiceSubsetAnalyzer implements Analyzer {
    private static final Pattern CLUSTER_LOCAL = Pattern.compile("^(.+)\\.(.+)\\.svc\\.cluster\\.local$");

    @Override
    public void analyze(AnalysisInput input, List<Problem> findings) {
        Set<String> defined = new HashSet<>();
        for (Resource<DestinationRule> r : input.<DestinationRule>all(ResourceKind.DESTINATION_RULE)) {
            for (Subset s : r.spec().subsets()) {
                defined.add(resourceName(r.namespace(), r.spec().host()) + "+" + s.name());
            }
        }
        for (Resource<VirtualService> r : input.<VirtualService>all(ResourceKind.VIRTUAL_SERVICE)) {
            for (RouteDestinations.Annotated d : RouteDestinations.routes(r.spec())) {
                check(r, d, "host+subset in destinationrule", defined, findings);
            }
            for (RouteDestinations.Annotated d : RouteDestinations.mirrors(r.spec())) {
                check(r, d, "mirror+subset in destinationrule", defined, findings);
            }
        }
    }

    private static void check(Resource<VirtualService> r, RouteDestinations.Annotated d, String what,
                              Set<String> defined, List<Problem> findings) {
        String subset = d.destination().subset();
        if (subset == null || subset.isEmpty()) {
            return;
        }
        if (!defined.contains(resourceName(r.namespace(), d.destination().host()) + "+" + subset)) {
            findings.add(AnalysisMessage.REFERENCED_RESOURCE_NOT_FOUND.at(r, d.path() + ".subset",
                    AnalysisMessage.notFound(what, d.destination().host() + "+" + subset)));
        }
    }

    /** {@code ns/name} of the Kubernetes object a host names, read as Istio's analyzers read it. */
    static String resourceName(String namespace, String host) {
        String h = host == null ? "" : host;
        Matcher m = CLUSTER_LOCAL.matcher(h);
        if (m.matches()) {
            return m.group(2) + "/" + m.group(1);
        }
        return namespace + "/" + h;
    }
}
