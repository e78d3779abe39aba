package io.proxyless.mesh.runtime.routing;

import com.google.common.collect.Interner;
import io.proxyless.mesh.api.HTTPMatchRequest;
import io.proxyless.mesh.api.HTTPRoute;
import io.proxyless.mesh.api.HostName;
import io.proxyless.mesh.api.OutboundTrafficPolicy;
import io.proxyless.mesh.runtime.model.ClusterKey;
import io.proxyless.mesh.runtime.model.ClusterLoadAssignment;
import io.proxyless.mesh.runtime.model.ClusterWeight;
import io.proxyless.mesh.runtime.model.MeshModel;
import io.proxyless.mesh.runtime.model.MirrorPolicy;
import io.proxyless.mesh.runtime.model.Route;
import io.proxyless.mesh.runtime.model.RouteConfiguration;
import io.proxyless.mesh.runtime.model.RouteMatch;
import io.proxyless.mesh.runtime.model.VirtualHost;
import io.proxyless.mesh.runtime.registry.ServicePortSpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
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
 * {@code port} is only in that port's configuration.
 *
 * <p>One more configuration, {@link RouteConfiguration#ANY_PORT}, serves requests whose port's configuration does
 * not name their host: single-port services answer there on any port (the mesh lets {@code http://reviews/} reach
 * {@code reviews:9080}), and so do the routes of multi-port services' VirtualServices whose destinations name
 * their port. Whatever the model cannot hold becomes a warning.
 */
final class RouteModelAssembly {
    private final Function<String, List<String>> aliases;
    // Equal model values are one object: across services (a match, a retry policy written the same way) and
    // across compilations (a route that did not change is the previous model's route, which the compiled routes
    // carried over from the snapshot in force point at), so the snapshot holds each once.
    private final Interner<Object> shared;
    private final List<String> warnings = new ArrayList<>();
    private final Map<Integer, List<VirtualHost>> virtualHosts = new TreeMap<>();
    private final Map<Integer, Set<String>> domainsTaken = new LinkedHashMap<>();
    private final Map<String, RouteTables.Missing> missingClusters = new LinkedHashMap<>();
    // A host's domains appear in its port's configuration and in ANY_PORT's: one HostName each.
    private final Map<String, HostName> domainNames = new HashMap<>();

    /**
     * The model of a compilation and, for routes to clusters that do not exist, why not.
     *
     * @param model           the route model
     * @param missingClusters why each cluster a route names but the model lacks is missing (unknown host or subset)
     * @param routeWarnings   the model's warnings about virtual hosts and routes (those about clusters follow them)
     * @param leftOut         the clusters the model cannot hold, by name, with the warning saying so
     */
    record Assembly(MeshModel model, Map<String, RouteTables.Missing> missingClusters, List<String> routeWarnings,
                    Map<String, String> leftOut) {
    }

    /**
     * Writes {@code c} as a model cluster and its load assignment into {@code clusters} and {@code assignments};
     * when the model cannot hold it, nothing is added and the warning saying so is returned (else null).
     */
    static String cluster(IstioCluster c, List<io.proxyless.mesh.runtime.model.Cluster> clusters,
                          List<ClusterLoadAssignment> assignments) {
        io.proxyless.mesh.runtime.model.Cluster cluster;
        ClusterLoadAssignment assignment;
        try {
            cluster = ModelTranslation.cluster(c);
            assignment = ClusterLoadAssignment.of(c.key(), ModelTranslation.endpoints(c));
        } catch (IllegalArgumentException ex) {
            return "cluster " + c.key() + " is left out of the route model: " + ex.getMessage();
        }
        clusters.add(cluster);
        assignments.add(assignment);
        return null;
    }

    private RouteModelAssembly(Function<String, List<String>> aliases, Interner<Object> shared) {
        this.aliases = aliases;
        this.shared = shared;
    }

    /**
     * The model of a compilation.
     *
     * @param hosts    one entry per host (aliases left out), in the compiler's order
     * @param clusters every cluster, by name
     * @param aliases  the short names a host is also reached by
     * @param shared   makes equal model values one object (kept across compilations)
     */
    static Assembly assemble(Collection<IstioHost> hosts, Map<String, IstioCluster> clusters,
                             OutboundTrafficPolicy.Mode outbound, Function<String, List<String>> aliases,
                             Interner<Object> shared) {
        RouteModelAssembly a = new RouteModelAssembly(aliases, shared);
        for (IstioHost e : hosts) {
            a.host(e);
        }
        List<String> routeWarnings = List.copyOf(a.warnings);
        Map<String, String> leftOut = new LinkedHashMap<>();
        List<io.proxyless.mesh.runtime.model.Cluster> modelClusters = new ArrayList<>();
        List<ClusterLoadAssignment> assignments = new ArrayList<>();
        for (IstioCluster c : clusters.values()) {
            String warning = cluster(c, modelClusters, assignments);
            if (warning != null) {
                a.warnings.add(warning);
                leftOut.put(c.key(), warning);
            }
        }
        List<RouteConfiguration> configs = new ArrayList<>();
        a.virtualHosts.forEach((port, vhs) -> configs.add(RouteConfiguration.of(
                port == RouteConfiguration.ANY_PORT ? "any" : String.valueOf(port), port, vhs)));
        MeshModel model = MeshModel.of(configs, modelClusters, assignments,
                outbound == OutboundTrafficPolicy.Mode.REGISTRY_ONLY ? MeshModel.OutboundPolicy.REGISTRY_ONLY
                        : MeshModel.OutboundPolicy.ALLOW_ANY, a.warnings);
        return new Assembly(model, Map.copyOf(a.missingClusters), routeWarnings, leftOut);
    }

    private void host(IstioHost e) {
        if (e.service() == null) {
            return; // a VirtualService for a host with no service: istiod builds no virtual host for it either
        }
        List<Integer> ports = e.service().ports().stream().map(ServicePortSpec::number).toList();
        List<Route> last = null;
        for (int p : ports) {
            last = routes(e, p);
            virtualHost(e, p, p, last);
        }
        if (ports.size() == 1) {
            // Port-less lookup: any port reaches the only port's routes — the same list, so that the snapshot
            // compiles and holds them once.
            virtualHost(e, RouteConfiguration.ANY_PORT, ports.get(0), last);
        } else if (e.virtualService() != null) {
            // A multi-port service on another port: its VirtualService still routes (to named ports).
            virtualHost(e, RouteConfiguration.ANY_PORT, RouteConfiguration.ANY_PORT,
                    routes(e, RouteConfiguration.ANY_PORT));
        }
    }

    /** The routes of {@code e} on service port {@code port}. */
    private List<Route> routes(IstioHost e, int port) {
        return e.virtualService() == null ? defaultRoute(e, port) : vsRoutes(e, port);
    }

    /** The virtual host of {@code e} in configuration {@code listener}, routing as on service port {@code port}. */
    private void virtualHost(IstioHost e, int listener, int port, List<Route> routes) {
        Set<String> taken = domainsTaken.computeIfAbsent(listener, k -> new HashSet<>());
        List<HostName> domains = new ArrayList<>();
        for (String d : concat(e.host(), aliases.apply(e.host()))) {
            if (taken.add(d)) {
                // The first host to claim a short name keeps it, as Istio's sidecar listeners do.
                domains.add(domainNames.computeIfAbsent(d, HostName::of));
            }
        }
        if (domains.isEmpty()) {
            return;
        }
        virtualHosts.computeIfAbsent(listener, k -> new ArrayList<>()).add(VirtualHost.of(
                shared(e.host() + ":" + port), shared(List.copyOf(domains)), routes,
                e.virtualService() == null ? null : shared("VirtualService " + e.virtualService())));
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> out = new ArrayList<>(List.of(first));
        out.addAll(rest);
        return out;
    }

    private List<Route> defaultRoute(IstioHost e, int port) {
        IstioCluster cluster = e.defaultClusters().get(port);
        String name = cluster != null ? cluster.key() : ClusterKey.of(port, null, e.host()).name();
        return List.of(shared(Route.forward(CompiledRoute.DEFAULT_ROUTE, shared(RouteMatch.prefix("/")),
                io.proxyless.mesh.runtime.model.RouteAction.forCluster(name)
                        .withHashPolicies(ModelTranslation.hashPolicies(cluster))
                        .withRetryPolicy(shared(ModelTranslation.retry(cluster != null
                                && cluster.policy().consistentHash() ? RetryPolicy.ISTIO_DEFAULT_HASHING
                                : RetryPolicy.ISTIO_DEFAULT))))));
    }

    private List<Route> vsRoutes(IstioHost e, int port) {
        List<Route> out = new ArrayList<>();
        for (IstioRoute r : e.routes()) {
            List<HTTPMatchRequest> blocks = r.blocks().isEmpty() ? java.util.Collections.singletonList(null)
                    : r.blocks();
            for (HTTPMatchRequest block : blocks) {
                if (block != null && block.port() != null && block.port() != port) {
                    continue;
                }
                try {
                    out.add(route(r, block, port));
                } catch (IllegalArgumentException ex) {
                    warnings.add("VirtualService " + r.virtualService() + " http[" + r.index() + "] is left out of "
                            + "the route model for port " + port + ": " + ex.getMessage());
                }
            }
        }
        return List.copyOf(out);
    }

    private Route route(IstioRoute r, HTTPMatchRequest block, int port) {
        HTTPRoute http = r.http();
        RouteMatch match = shared(ModelTranslation.match(block));
        HeaderOps request = HeaderOps.compile(http.headers() == null ? null : http.headers().request());
        HeaderOps response = HeaderOps.compile(http.headers() == null ? null : http.headers().response());
        Route route;
        if (http.redirect() != null) {
            route = Route.redirect(http.name(), match, ModelTranslation.redirect(http.redirect()));
        } else if (http.directResponse() != null) {
            route = Route.directResponse(http.name(), match, ModelTranslation.directResponse(http.directResponse()));
        } else {
            route = Route.forward(http.name(), match, action(r, port, request));
        }
        return shared(new Route(route.name(), route.match(), route.action(), ModelTranslation.headers(request),
                ModelTranslation.headers(response), ModelTranslation.fault(FaultPolicy.from(http.fault())),
                "VirtualService " + r.virtualService() + " http[" + r.index() + "]", r.virtualService(), r.index()));
    }

    @SuppressWarnings("unchecked")
    private <T> T shared(T value) {
        return value == null ? null : (T) shared.intern(value);
    }

    private io.proxyless.mesh.runtime.model.RouteAction action(IstioRoute r, int port, HeaderOps routeHeaders) {
        HTTPRoute http = r.http();
        List<ClusterWeight> weights = new ArrayList<>();
        IstioCluster first = null;
        boolean firstSeen = false;
        for (IstioRoute.Target d : r.destinations()) {
            IstioCluster c = d.cluster(port);
            if (!firstSeen) {
                first = c;
                firstSeen = true;
            }
            HeaderOps request = HeaderOps.compile(d.headers() == null ? null : d.headers().request());
            HeaderOps response = HeaderOps.compile(d.headers() == null ? null : d.headers().response());
            weights.add(ClusterWeight.of(clusterName(d, c, port), Math.max(0, d.weight()))
                    .withHeaders(ModelTranslation.headers(request), ModelTranslation.headers(response))
                    .withHostRewrite(request.authority()));
        }
        List<MirrorPolicy> mirrors = new ArrayList<>();
        for (IstioRoute.MirrorTarget m : r.mirrors()) {
            mirrors.add(MirrorPolicy.of(clusterName(m.target(), m.target().cluster(port), port), m.percentage()));
        }
        boolean hashing = first != null && first.policy().consistentHash();
        String hostRewrite = http.rewrite() != null && http.rewrite().authority() != null
                && !http.rewrite().authority().isEmpty() ? http.rewrite().authority() : routeHeaders.authority();
        return io.proxyless.mesh.runtime.model.RouteAction.forWeightedClusters(weights)
                .withTimeout(http.timeout())
                .withRetryPolicy(shared(ModelTranslation.retry(RetryPolicy.from(http.retries(), hashing))))
                .withHashPolicies(ModelTranslation.hashPolicies(first))
                .withMirrors(mirrors)
                .withRewrite(ModelTranslation.pathRewrite(http.rewrite()), hostRewrite);
    }

    /** The cluster a destination sends to on {@code port}; a missing one's name, with why it is missing. */
    private String clusterName(IstioRoute.Target d, IstioCluster c, int port) {
        if (c != null) {
            return c.key();
        }
        // Not a ClusterKey: the port may be RouteConfiguration.ANY_PORT.
        String name = Cluster.key(d.port() != null ? d.port() : port, d.subset(), d.host());
        String why = d.problem() != null ? d.problem() : port == RouteConfiguration.ANY_PORT
                ? d.host() + " has more than one port and the destination names none (set destination.port)"
                : "no cluster for " + d.host() + " on port " + port;
        missingClusters.putIfAbsent(name, new RouteTables.Missing(d.host(), d.subset(), d.port(), why));
        return name;
    }
}
