package io.proxyless.mesh.runtime.routing;

import io.proxyless.mesh.api.HTTPMatchRequest;
import io.proxyless.mesh.api.HostName;
import io.proxyless.mesh.api.OutboundTrafficPolicy;
import io.proxyless.mesh.runtime.model.ClusterKey;
import io.proxyless.mesh.runtime.model.ClusterLoadAssignment;
import io.proxyless.mesh.runtime.model.ClusterWeight;
import io.proxyless.mesh.runtime.model.DirectResponse;
import io.proxyless.mesh.runtime.model.MeshModel;
import io.proxyless.mesh.runtime.model.MirrorPolicy;
import io.proxyless.mesh.runtime.model.Route;
import io.proxyless.mesh.runtime.model.RouteConfiguration;
import io.proxyless.mesh.runtime.model.RouteMatch;
import io.proxyless.mesh.runtime.model.VirtualHost;
import io.proxyless.mesh.runtime.registry.ServicePortSpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Writes the Istio decisions of one compilation (host ownership, visible services, delegates, merged
 * DestinationRules, resolved destinations) as the Envoy-shaped route model, the way istiod writes a sidecar's
 * outbound config: one route configuration per service port, a virtual host per service on it (FQDN and short
 * names as domains), a route per match block, a cluster per (port, subset, host). A match block with a
 * {@code port} is only in that port's configuration. Whatever the model cannot hold becomes a warning.
 */
final class RouteModelAssembly {
    private final Function<String, List<String>> aliases;
    private final List<String> warnings = new ArrayList<>();
    private final Map<Integer, List<VirtualHost>> virtualHosts = new TreeMap<>();
    private final Map<Integer, Set<String>> domainsTaken = new LinkedHashMap<>();

    private RouteModelAssembly(Function<String, List<String>> aliases) {
        this.aliases = aliases;
    }

    /**
     * The model of a compilation.
     *
     * @param entries  one entry per host (aliases left out), in the compiler's order
     * @param clusters every cluster, by name
     * @param aliases  the short names a host is also reached by
     */
    static MeshModel assemble(Collection<HostEntry> entries, Map<String, Cluster> clusters,
                              OutboundTrafficPolicy.Mode outbound, Function<String, List<String>> aliases) {
        RouteModelAssembly a = new RouteModelAssembly(aliases);
        for (HostEntry e : entries) {
            a.host(e);
        }
        List<io.proxyless.mesh.runtime.model.Cluster> modelClusters = new ArrayList<>();
        List<ClusterLoadAssignment> assignments = new ArrayList<>();
        for (Cluster c : clusters.values()) {
            if (c.key().equals(MeshCompiler.PASSTHROUGH_CLUSTER)) {
                continue; // the model's OutboundPolicy stands for it
            }
            try {
                modelClusters.add(ModelTranslation.cluster(c));
                assignments.add(ClusterLoadAssignment.of(c.key(), ModelTranslation.endpoints(c)));
            } catch (IllegalArgumentException ex) {
                a.warnings.add("cluster " + c.key() + " is left out of the route model: " + ex.getMessage());
            }
        }
        List<RouteConfiguration> configs = new ArrayList<>();
        a.virtualHosts.forEach((port, hosts) -> configs.add(RouteConfiguration.of(String.valueOf(port), port, hosts)));
        return MeshModel.of(configs, modelClusters, assignments,
                outbound == OutboundTrafficPolicy.Mode.REGISTRY_ONLY ? MeshModel.OutboundPolicy.REGISTRY_ONLY
                        : MeshModel.OutboundPolicy.ALLOW_ANY, a.warnings);
    }

    private void host(HostEntry e) {
        if (e.service() == null) {
            return; // a VirtualService for a host with no service: istiod builds no virtual host for it either
        }
        for (ServicePortSpec port : e.service().ports()) {
            int p = port.number();
            List<Route> routes = e.routes().isEmpty() && e.virtualService() == null
                    ? defaultRoute(e, p) : routes(e, p);
            Set<String> taken = domainsTaken.computeIfAbsent(p, k -> new HashSet<>());
            List<HostName> domains = new ArrayList<>();
            for (String d : concat(e.host(), aliases.apply(e.host()))) {
                if (taken.add(d)) {
                    // The first host to claim a short name keeps it, as the compiler's table does.
                    domains.add(HostName.of(d));
                }
            }
            if (domains.isEmpty()) {
                continue;
            }
            virtualHosts.computeIfAbsent(p, k -> new ArrayList<>()).add(VirtualHost.of(e.host() + ":" + p, domains,
                    routes, e.virtualService() == null ? null : "VirtualService " + e.virtualService()));
        }
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> out = new ArrayList<>(List.of(first));
        out.addAll(rest);
        return out;
    }

    private List<Route> defaultRoute(HostEntry e, int port) {
        Cluster cluster = e.defaultClusters().get(port);
        String name = cluster != null ? cluster.key() : ClusterKey.of(port, null, e.host()).name();
        return List.of(Route.forward("default", RouteMatch.prefix("/"),
                io.proxyless.mesh.runtime.model.RouteAction.forCluster(name)
                        .withHashPolicies(ModelTranslation.hashPolicies(cluster))
                        .withRetryPolicy(ModelTranslation.retry(cluster != null && cluster.policy().consistentHash()
                                ? RetryPolicy.ISTIO_DEFAULT_HASHING : RetryPolicy.ISTIO_DEFAULT))));
    }

    private List<Route> routes(HostEntry e, int port) {
        List<Route> out = new ArrayList<>();
        for (CompiledRoute r : e.routes()) {
            List<HTTPMatchRequest> blocks = r.matchBlocks().isEmpty() ? java.util.Collections.singletonList(null)
                    : r.matchBlocks();
            for (HTTPMatchRequest block : blocks) {
                if (block != null && block.port() != null && block.port() != port) {
                    continue;
                }
                try {
                    out.add(route(r, block, port));
                } catch (IllegalArgumentException ex) {
                    warnings.add(r + " is left out of the route model for port " + port + ": " + ex.getMessage());
                }
            }
        }
        return out;
    }

    private Route route(CompiledRoute r, HTTPMatchRequest block, int port) {
        RouteMatch match = ModelTranslation.match(block);
        Route route = switch (r.action()) {
            case REDIRECT -> Route.redirect(r.name(), match, ModelTranslation.redirect(r.redirect()));
            case DIRECT_RESPONSE -> Route.directResponse(r.name(), match, DirectResponse.of(
                    r.directResponse().status() == null ? 200 : r.directResponse().status(),
                    r.directResponseBody()));
            default -> Route.forward(r.name(), match, action(r, port));
        };
        return route.withHeaders(ModelTranslation.headers(r.requestHeaderOps()),
                        ModelTranslation.headers(r.responseHeaderOps()))
                .withFault(ModelTranslation.fault(r.fault()))
                .withOrigin("VirtualService " + r.virtualService() + " http[" + r.index() + "]");
    }

    private io.proxyless.mesh.runtime.model.RouteAction action(CompiledRoute r, int port) {
        List<ClusterWeight> weights = new ArrayList<>();
        Cluster first = null;
        for (WeightedDestination d : r.destinations()) {
            Cluster c = d.cluster(port);
            if (first == null) {
                first = c;
            }
            String name = c != null ? c.key()
                    : ClusterKey.of(d.port() != null ? d.port() : port, d.subset(), d.host()).name();
            weights.add(ClusterWeight.of(name, Math.max(0, d.weight()))
                    .withHeaders(ModelTranslation.headers(d.requestHeaderOps()),
                            ModelTranslation.headers(d.responseHeaderOps())));
        }
        List<MirrorPolicy> mirrors = new ArrayList<>();
        for (Mirror m : r.mirrors()) {
            String name = m.cluster() != null ? m.cluster().key()
                    : ClusterKey.of(m.port() != null ? m.port() : port, m.subset(), m.host()).name();
            mirrors.add(MirrorPolicy.of(name, m.percentage()));
        }
        boolean hashing = first != null && first.policy().consistentHash();
        String hostRewrite = r.rewrite() != null && r.rewrite().authority() != null
                && !r.rewrite().authority().isEmpty() ? r.rewrite().authority() : r.requestHeaderOps().authority();
        return io.proxyless.mesh.runtime.model.RouteAction.forWeightedClusters(weights)
                .withTimeout(r.timeout())
                .withRetryPolicy(ModelTranslation.retry(r.retries(hashing)))
                .withHashPolicies(ModelTranslation.hashPolicies(first))
                .withMirrors(mirrors)
                .withRewrite(r.pathRewrite(), hostRewrite);
    }
}
