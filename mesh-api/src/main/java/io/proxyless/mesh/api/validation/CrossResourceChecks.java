package io.proxyless.mesh.api.validation;

import io.proxyless.mesh.api.Destination;
import io.proxyless.mesh.api.DestinationRule;
import io.proxyless.mesh.api.HTTPMatchRequest;
import io.proxyless.mesh.api.HTTPRoute;
import io.proxyless.mesh.api.HostName;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.ServiceEntry;
import io.proxyless.mesh.api.Severity;
import io.proxyless.mesh.api.StringMatch;
import io.proxyless.mesh.api.Subset;
import io.proxyless.mesh.api.VirtualService;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks that look across resources, reported as warnings the way {@code istioctl analyze} does: the config is
 * valid for Istio, but probably not what the author meant.
 *
 * <pre>{@code
 * List<Problem> warnings = CrossResourceChecks.check(loaded.resources());
 * }</pre>
 *
 * <p>For every VirtualService:
 * <ul>
 *   <li><b>Unknown subset</b>: a route or mirror destination names a {@code subset} that no DestinationRule
 *       for its host defines (requests would fail with 503). The DestinationRules consulted are those for
 *       exactly that host, or, when there are none, those of the most specific wildcard host covering it, as
 *       Istio picks them; {@code exportTo} is not considered, which can only hide a warning, never invent one.</li>
 *   <li><b>Unknown host</b>: a destination host that no ServiceEntry defines. We have no Kubernetes registry,
 *       so any name in the cluster domain ({@code *.svc.cluster.local}, which includes every short name once
 *       expanded) might be a Kubernetes Service we cannot see and is never reported. Only other names
 *       (external-looking FQDNs such as {@code api.example.com}, or half-qualified ones such as
 *       {@code reviews.default}, which Istio does not expand) are reported when no ServiceEntry host, exact or
 *       wildcard, covers them.</li>
 *   <li><b>Unknown gateway</b>: a {@code gateways} entry (of the VirtualService or of a match) other than
 *       {@code mesh} that names no loaded Gateway. {@code ns/name} is looked up as written, a bare
 *       {@code name} in the VirtualService's namespace, the legacy {@code name.ns} form as {@code ns/name}.</li>
 *   <li><b>Unreachable routes</b>: HTTP routes after a catch-all route (one without matches, or with a match
 *       block that is nothing but {@code uri.prefix: /}, an empty prefix, or {@code uri.regex: .*}) can never
 *       be chosen, since the first matching route wins. As in Istio's analysis, a match block identical to an
 *       earlier one is reported as unused too, and a route all of whose blocks are such repeats as unused.</li>
 * </ul>
 * Host names are compared after Istio's short-name expansion ({@code reviews} in namespace {@code default}
 * is {@code reviews.default.svc.cluster.local}), each in the namespace of the resource that writes it.
 */
public final class CrossResourceChecks {
    private CrossResourceChecks() {
    }

    /** Every cross-resource warning about {@code resources}, in resource order. */
    public static List<Problem> check(List<Resource<?>> resources) {
        Registry registry = Registry.of(resources);
        List<Problem> problems = new ArrayList<>();
        for (Resource<?> resource : resources) {
            if (resource.kind() == ResourceKind.VIRTUAL_SERVICE) {
                VirtualService vs = (VirtualService) resource.spec();
                destinations(resource, vs, registry, problems);
                gateways(resource, vs, registry, problems);
                unreachableRoutes(resource, vs, problems);
            }
        }
        return problems;
    }

    // ---------------------------------------------------------------- what the other resources define

    /** The hosts, subsets and gateways the loaded resources define. */
    private record Registry(Map<HostName, Set<String>> subsetsByHost, Set<HostName> serviceEntryHosts,
                            Set<String> gateways) {

        static Registry of(List<Resource<?>> resources) {
            Map<HostName, Set<String>> subsets = new HashMap<>();
            Set<HostName> seHosts = new LinkedHashSet<>();
            Set<String> gateways = new HashSet<>();
            for (Resource<?> r : resources) {
                switch (r.kind()) {
                    case DESTINATION_RULE -> {
                        DestinationRule dr = (DestinationRule) r.spec();
                        HostName host = CommonRules.qualified(dr.host(), r.namespace());
                        if (host != null) {
                            Set<String> names = subsets.computeIfAbsent(host, h -> new HashSet<>());
                            for (Subset s : dr.subsets()) {
                                if (s.name() != null) {
                                    names.add(s.name());
                                }
                            }
                        }
                    }
                    case SERVICE_ENTRY -> {
                        for (String h : ((ServiceEntry) r.spec()).hosts()) {
                            HostName host = CommonRules.qualified(h, r.namespace());
                            if (host != null) {
                                // Kept both as written and expanded, so either reading finds it.
                                seHosts.add(CommonRules.hostName(h));
                                seHosts.add(host);
                            }
                        }
                    }
                    case GATEWAY -> gateways.add(r.namespace() + "/" + r.name());
                    default -> {
                    }
                }
            }
            return new Registry(subsets, seHosts, gateways);
        }

        /**
         * The subsets defined for {@code host} (qualified), or null when no DestinationRule applies to it:
         * rules for exactly this host, else those of the most specific wildcard host covering it.
         */
        Set<String> subsetsFor(HostName host) {
            Set<String> exact = subsetsByHost.get(host);
            if (exact != null) {
                return exact;
            }
            return subsetsByHost.keySet().stream()
                    .filter(candidate -> candidate.isWildcard() && host.subsetOf(candidate))
                    .min(HostName.MORE_SPECIFIC_FIRST)
                    .map(subsetsByHost::get)
                    .orElse(null);
        }

        boolean hasServiceEntryFor(HostName host) {
            return serviceEntryHosts.stream().anyMatch(host::subsetOf);
        }
    }

    // ---------------------------------------------------------------- destinations: subsets and hosts

    private static void destinations(Resource<?> resource, VirtualService vs, Registry registry,
                                     List<Problem> problems) {
        for (int i = 0; i < vs.http().size(); i++) {
            HTTPRoute route = vs.http().get(i);
            String at = "spec.http[" + i + "]";
            for (int k = 0; k < route.route().size(); k++) {
                destination(resource, route.route().get(k).destination(), at + ".route[" + k + "].destination",
                        registry, problems);
            }
            destination(resource, route.mirror(), at + ".mirror", registry, problems);
            for (int k = 0; k < route.mirrors().size(); k++) {
                destination(resource, route.mirrors().get(k).destination(), at + ".mirrors[" + k + "].destination",
                        registry, problems);
            }
        }
        for (int i = 0; i < vs.tls().size(); i++) {
            for (int k = 0; k < vs.tls().get(i).route().size(); k++) {
                destination(resource, vs.tls().get(i).route().get(k).destination(),
                        "spec.tls[" + i + "].route[" + k + "].destination", registry, problems);
            }
        }
        for (int i = 0; i < vs.tcp().size(); i++) {
            for (int k = 0; k < vs.tcp().get(i).route().size(); k++) {
                destination(resource, vs.tcp().get(i).route().get(k).destination(),
                        "spec.tcp[" + i + "].route[" + k + "].destination", registry, problems);
            }
        }
    }

    private static void destination(Resource<?> resource, Destination d, String at, Registry registry,
                                    List<Problem> problems) {
        // Missing, wildcard and IP hosts are either validation errors already or not registry names.
        if (d == null || d.host() == null || d.host().isEmpty() || d.host().startsWith("*")
                || CommonRules.isIpAddress(d.host())) {
            return;
        }
        HostName host = CommonRules.qualified(d.host(), resource.namespace());
        if (host == null) {
            return;
        }
        if (d.subset() != null && !d.subset().isEmpty()) {
            Set<String> subsets = registry.subsetsFor(host);
            if (subsets == null || !subsets.contains(d.subset())) {
                problems.add(resource.problem(Severity.WARNING, at + ".subset", "subset " + d.subset()
                        + " not found: no DestinationRule for " + host + " defines it"));
            }
        }
        if (!host.inClusterDomain(HostName.DEFAULT_DOMAIN_SUFFIX) && !registry.hasServiceEntryFor(host)) {
            problems.add(resource.problem(Severity.WARNING, at + ".host", "Referenced host not found: "
                    + CommonRules.quote(host.toString()) + " (no ServiceEntry defines it, and it is not a Kubernetes"
                    + " service name ending in svc." + HostName.DEFAULT_DOMAIN_SUFFIX + ")"));
        }
    }

    // ---------------------------------------------------------------- gateways

    private static void gateways(Resource<?> resource, VirtualService vs, Registry registry,
                                 List<Problem> problems) {
        gatewayRefs(resource, vs.gateways(), "spec.gateways", registry, problems);
        for (int i = 0; i < vs.http().size(); i++) {
            List<HTTPMatchRequest> matches = vs.http().get(i).match();
            for (int j = 0; j < matches.size(); j++) {
                gatewayRefs(resource, matches.get(j).gateways(), "spec.http[" + i + "].match[" + j + "].gateways",
                        registry, problems);
            }
        }
        for (int i = 0; i < vs.tls().size(); i++) {
            for (int j = 0; j < vs.tls().get(i).match().size(); j++) {
                gatewayRefs(resource, vs.tls().get(i).match().get(j).gateways(),
                        "spec.tls[" + i + "].match[" + j + "].gateways", registry, problems);
            }
        }
        for (int i = 0; i < vs.tcp().size(); i++) {
            for (int j = 0; j < vs.tcp().get(i).match().size(); j++) {
                gatewayRefs(resource, vs.tcp().get(i).match().get(j).gateways(),
                        "spec.tcp[" + i + "].match[" + j + "].gateways", registry, problems);
            }
        }
    }

    private static void gatewayRefs(Resource<?> resource, List<String> refs, String path, Registry registry,
                                    List<Problem> problems) {
        for (int k = 0; k < refs.size(); k++) {
            String key = gatewayKey(refs.get(k), resource.namespace());
            // Null for "mesh" and for malformed names, which validation reports.
            if (key != null && !registry.gateways().contains(key)) {
                problems.add(resource.problem(Severity.WARNING, path + "[" + k + "]",
                        "Referenced gateway not found: " + CommonRules.quote(key)));
            }
        }
    }

    /** {@code namespace/name} of a gateway reference, or null for {@code mesh} and malformed references. */
    static String gatewayKey(String ref, String namespace) {
        if (ref == null || ref.equals(VirtualServiceValidator.MESH_GATEWAY)) {
            return null;
        }
        String ns;
        String name;
        int slash = ref.indexOf('/');
        if (slash >= 0) {
            ns = ref.substring(0, slash);
            name = ref.substring(slash + 1);
        } else if (ref.contains(".")) {
            String[] parts = ref.split("\\.", -1);
            name = parts[0];
            ns = parts[1];
        } else {
            ns = namespace;
            name = ref;
        }
        if (!CommonRules.isDns1123Label(ns) || !CommonRules.isDns1123Label(name)) {
            return null;
        }
        return ns + "/" + name;
    }

    // ---------------------------------------------------------------- unreachable routes

    private static void unreachableRoutes(Resource<?> resource, VirtualService vs, List<Problem> problems) {
        int catchAll = -1;
        Map<HTTPMatchRequest, Integer> seen = new HashMap<>();
        List<HTTPRoute> routes = vs.http();
        for (int i = 0; i < routes.size(); i++) {
            HTTPRoute route = routes.get(i);
            String at = "spec.http[" + i + "]";
            if (catchAll >= 0) {
                problems.add(resource.problem(Severity.WARNING, at, "virtualService rule " + routeName(route, i)
                        + " not used (rule " + routeName(routes.get(catchAll), catchAll)
                        + " before it matches every request)"));
                continue;
            }
            int repeated = 0;
            for (int j = 0; j < route.match().size(); j++) {
                HTTPMatchRequest match = route.match().get(j);
                HTTPMatchRequest key = withoutName(match);
                Integer first = seen.putIfAbsent(key, i);
                if (first != null) {
                    repeated++;
                    problems.add(resource.problem(Severity.WARNING, at + ".match[" + j + "]", "virtualService rule "
                            + routeName(route, i) + " match " + matchName(match, j)
                            + " is not used (duplicate/overlapping match in rule "
                            + routeName(routes.get(first), first) + ")"));
                }
            }
            if (!route.match().isEmpty() && repeated == route.match().size()) {
                problems.add(resource.problem(Severity.WARNING, at, "virtualService rule " + routeName(route, i)
                        + " not used (all matches used by prior rules)"));
            }
            if (isCatchAll(route)) {
                catchAll = i;
            }
        }
    }

    /** A route that takes every request that reaches it. */
    static boolean isCatchAll(HTTPRoute route) {
        return route.match().isEmpty() || route.match().stream().anyMatch(CrossResourceChecks::isCatchAll);
    }

    /**
     * A match block that any request satisfies: no condition, or only a URI condition that every path meets.
     * The block's name, stat prefix and {@code ignoreUriCase} do not narrow it.
     */
    static boolean isCatchAll(HTTPMatchRequest m) {
        return everyPath(m.uri()) && m.scheme() == null && m.method() == null && m.authority() == null
                && m.headers().isEmpty() && (m.port() == null || m.port() == 0) && m.sourceLabels().isEmpty()
                && m.gateways().isEmpty() && m.queryParams().isEmpty() && m.withoutHeaders().isEmpty()
                && (m.sourceNamespace() == null || m.sourceNamespace().isEmpty());
    }

    private static boolean everyPath(StringMatch uri) {
        if (uri == null) {
            return true;
        }
        if (uri.exact() != null) {
            return false;
        }
        if (uri.prefix() != null) {
            return uri.prefix().equals("/") || uri.prefix().isEmpty();
        }
        return ".*".equals(uri.regex());
    }

    /** The block as it matches: its name is only a label, so blocks differing in name alone are duplicates. */
    private static HTTPMatchRequest withoutName(HTTPMatchRequest m) {
        return new HTTPMatchRequest(null, m.uri(), m.scheme(), m.method(), m.authority(), m.headers(), m.port(),
                m.sourceLabels(), m.gateways(), m.queryParams(), m.ignoreUriCase(), m.withoutHeaders(),
                m.sourceNamespace(), m.statPrefix());
    }

    /** Istio's naming in these messages: the route's name in quotes, else {@code #index}. */
    private static String routeName(HTTPRoute route, int index) {
        return route.name() != null && !route.name().isEmpty() ? CommonRules.quote(route.name()) : "#" + index;
    }

    private static String matchName(HTTPMatchRequest match, int index) {
        return match.name() != null && !match.name().isEmpty() ? CommonRules.quote(match.name()) : "#" + index;
    }
}
