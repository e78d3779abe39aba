package io.proxyless.mesh.api.analysis;

import io.proxyless.mesh.api.Destination;
import io.proxyless.mesh.api.HTTPRoute;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.VirtualService;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Istio's {@code virtualservice.DestinationHostAnalyzer}: every route and mirror destination must name a host
 * some ServiceEntry or Kubernetes Service defines and that is visible where the VirtualService is (IST0101
 * {@code host} / {@code mirror host}); a destination without {@code port} is ambiguous when the service has
 * several (IST0112), and a {@code port} the service lacks is not found (IST0101 {@code host:port}). For a
 * VirtualService bound to gateways, a destination without subset whose host another VirtualService splits by
 * subset gets IST0140: subsets of mesh routing do not apply to requests that enter through a gateway.
 */
final class DestinationHostAnalyzer implements Analyzer {

    @Override
    public void analyze(AnalysisInput input, List<Problem> findings) {
        ServiceHosts hosts = ServiceHosts.of(input);
        List<Resource<VirtualService>> all = input.all(ResourceKind.VIRTUAL_SERVICE);
        Map<String, List<Destination>> subsetDestinations = subsetDestinations(all);
        for (Resource<VirtualService> r : all) {
            VirtualService vs = r.spec();
            for (RouteDestinations.Annotated d : RouteDestinations.routes(vs)) {
                check(r, d, "host", hosts, findings);
            }
            for (RouteDestinations.Annotated d : RouteDestinations.mirrors(vs)) {
                check(r, d, "mirror host", hosts, findings);
            }
            ingressSubsets(r, subsetDestinations, findings);
        }
    }

    private static void check(Resource<VirtualService> r, RouteDestinations.Annotated d, String what,
                              ServiceHosts hosts, List<Problem> findings) {
        String host = d.destination().host();
        ServiceHosts.Service service = hosts.lookup(r.namespace(), r.spec().exportTo(), host);
        if (service == null) {
            findings.add(AnalysisMessage.REFERENCED_RESOURCE_NOT_FOUND.at(r, d.hostPath(),
                    AnalysisMessage.notFound(what, host)));
            return;
        }
        if (d.destination().port() == null || d.destination().port().number() == null) {
            if (service.ports().size() > 1) {
                findings.add(AnalysisMessage.VIRTUAL_SERVICE_DESTINATION_PORT_SELECTOR_REQUIRED.at(r, d.hostPath(),
                        "This VirtualService routes to a service " + Analyzers.quote(host) + " that exposes multiple"
                                + " ports " + Analyzers.goList(service.ports()) + ". Specifying a port in the"
                                + " destination is required to disambiguate."));
            }
            return;
        }
        int port = d.destination().port().number();
        if (!service.ports().contains(port)) {
            findings.add(AnalysisMessage.REFERENCED_RESOURCE_NOT_FOUND.at(r, d.path() + ".port.number",
                    AnalysisMessage.notFound("host:port", host + ":" + port)));
        }
    }

    /** Per VirtualService ({@code ns/name}): its route destinations with a subset whose host is one of its hosts. */
    private static Map<String, List<Destination>> subsetDestinations(List<Resource<VirtualService>> all) {
        Map<String, List<Destination>> out = new LinkedHashMap<>();
        for (Resource<VirtualService> r : all) {
            for (HTTPRoute route : r.spec().http()) {
                if (route == null) {
                    continue;
                }
                for (var rd : route.route()) {
                    Destination d = rd == null ? null : rd.destination();
                    if (d != null && d.subset() != null && !d.subset().isEmpty()
                            && r.spec().hosts().contains(d.host())) {
                        out.computeIfAbsent(r.metadata().key(), k -> new ArrayList<>()).add(d);
                    }
                }
            }
        }
        return out;
    }

    private static void ingressSubsets(Resource<VirtualService> r, Map<String, List<Destination>> subsetDestinations,
                                       List<Problem> findings) {
        VirtualService vs = r.spec();
        if (vs.gateways().isEmpty()) {
            return;
        }
        for (int i = 0; i < vs.http().size(); i++) {
            if (vs.http().get(i) == null) {
                continue;
            }
            for (int j = 0; j < vs.http().get(i).route().size(); j++) {
                var rd = vs.http().get(i).route().get(j);
                Destination d = rd == null ? null : rd.destination();
                if (d == null || d.host() == null || (d.subset() != null && !d.subset().isEmpty())) {
                    continue;
                }
                for (Map.Entry<String, List<Destination>> other : subsetDestinations.entrySet()) {
                    for (Destination split : other.getValue()) {
                        if (d.host().equals(split.host())) {
                            findings.add(AnalysisMessage.INGRESS_ROUTE_RULES_NOT_AFFECTED.at(r,
                                    "spec.http[" + i + "].route[" + j + "].destination.host",
                                    "Subset in virtual service " + other.getKey() + " has no effect on ingress"
                                            + " gateway " + r.metadata().key() + " requests"));
                        }
                    }
                }
            }
        }
    }
}
