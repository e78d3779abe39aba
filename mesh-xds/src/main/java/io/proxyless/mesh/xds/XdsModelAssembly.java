package io.proxyless.mesh.xds;

import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSortedMap;
import io.proxyless.mesh.api.HostName;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Severity;
import io.proxyless.mesh.runtime.model.Cluster;
import io.proxyless.mesh.runtime.model.ClusterLoadAssignment;
import io.proxyless.mesh.runtime.model.ClusterWeight;
import io.proxyless.mesh.runtime.model.DirectResponse;
import io.proxyless.mesh.runtime.model.MeshModel;
import io.proxyless.mesh.runtime.model.Route;
import io.proxyless.mesh.runtime.model.RouteAction;
import io.proxyless.mesh.runtime.model.RouteConfiguration;
import io.proxyless.mesh.runtime.model.VirtualHost;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The xDS resources in force (ACKed listeners, route configurations, clusters, endpoints) as one {@link MeshModel},
 * the snapshot a client routes by. Pure: the same resources give the same model, in a stable order (by port, by
 * resource name).
 * <ul>
 *   <li><b>Proxyless shape</b>: each {@code host:port} listener contributes the virtual host its route configuration
 *       has for that authority (Envoy's selection: exact domain, longest suffix wildcard, longest prefix wildcard,
 *       {@code *}) to the route configuration of its port, answering for the listener's host and the other names
 *       istiod listed for it. Its routes get the listener's fault filter and {@code max_stream_duration}.</li>
 *   <li><b>Sidecar shape</b>: each route configuration serves the port of the outbound listener that names it, or,
 *       without listeners, the port it is named after ({@code "9080"}). istiod's catch-all virtual host is the
 *       model's outbound policy: {@code allow_any} (to the passthrough cluster) is ALLOW_ANY, {@code block_all}
 *       (a 502) is REGISTRY_ONLY.</li>
 *   <li>Every cluster, with the endpoints of its EDS resource (or its own), filed under its name.</li>
 * </ul>
 */
final class XdsModelAssembly {
    /** istiod's passthrough cluster's name; an ORIGINAL_DST cluster is one whatever its name. */
    static final String PASSTHROUGH_CLUSTER = "PassthroughCluster";

    private final ParseContext ctx;
    private final RouteParses parses;
    private final List<Problem> warnings = new ArrayList<>();

    private XdsModelAssembly(ParseContext ctx, RouteParses parses) {
        this.parses = parses;
        this.ctx = ctx;
    }

    /**
     * What is in force, by resource name.
     *
     * @param listeners  parsed listeners
     * @param routes     route configurations as received (parsed here for each listener that names them, since
     *                   the listener's filters change their routes)
     * @param clusters   parsed clusters
     * @param endpoints  parsed EDS resources, by EDS service name
     */
    record Inputs(Map<String, XdsListenerResource.Update> listeners,
                  Map<String, io.envoyproxy.envoy.config.route.v3.RouteConfiguration> routes,
                  Map<String, XdsClusterResource.Update> clusters,
                  Map<String, ClusterLoadAssignment> endpoints) {
        Inputs {
            // The client's values are sorted immutable maps already, taken as they are.
            listeners = ImmutableSortedMap.copyOf(listeners);
            routes = ImmutableSortedMap.copyOf(routes);
            clusters = ImmutableSortedMap.copyOf(clusters);
            endpoints = ImmutableSortedMap.copyOf(endpoints);
        }
    }

    /** The model and what assembling it found doubtful. */
    record Result(MeshModel model, List<Problem> warnings) {
        Result {
            warnings = List.copyOf(warnings);
        }
    }

    /**
     * The model's clusters and load assignments as the last assembly built them, and the resources they were built
     * from: while the client hands over the very same cluster (or endpoint) values, the maps are the same too, so a
     * change to one cluster's endpoints builds the assignments again but not the clusters. Not thread-safe: the
     * source's executor is its only user.
     */
    static final class ClusterMaps {
        private Map<String, XdsClusterResource.Update> clustersFrom;
        private Map<String, ClusterLoadAssignment> endpointsFrom;
        private ImmutableMap<String, Cluster> clusters;
        private ImmutableMap<String, ClusterLoadAssignment> assignments;

        /** Remembers nothing (every assembly builds its maps). */
        static ClusterMaps none() {
            return new ClusterMaps();
        }
    }

    static Result assemble(Inputs in, ParseContext ctx) {
        return assemble(in, ctx, RouteParses.none(), ClusterMaps.none());
    }

    /**
     * Like {@link #assemble(Inputs, ParseContext)}, taking route configurations parsed before from {@code parses}
     * and the cluster maps built before from {@code maps}.
     */
    static Result assemble(Inputs in, ParseContext ctx, RouteParses parses, ClusterMaps maps) {
        XdsModelAssembly a = new XdsModelAssembly(ctx, parses);
        MeshModel.OutboundPolicy[] outbound = {MeshModel.OutboundPolicy.ALLOW_ANY};
        List<RouteConfiguration> configs = ctx.proxyless() ? a.proxylessRoutes(in)
                : a.sidecarRoutes(in, outbound);
        boolean sameClusters = maps.clusters != null && maps.clustersFrom == in.clusters();
        if (!sameClusters) {
            // Keyed by cluster name already (the client's values), so no name is there twice.
            ImmutableMap.Builder<String, Cluster> clusters = ImmutableMap.builderWithExpectedSize(in.clusters().size());
            for (XdsClusterResource.Update c : in.clusters().values()) {
                clusters.put(c.name(), c.cluster());
            }
            maps.clusters = clusters.buildOrThrow();
            maps.clustersFrom = in.clusters();
        }
        if (!sameClusters || maps.endpointsFrom != in.endpoints()) {
            ImmutableMap.Builder<String, ClusterLoadAssignment> assignments = ImmutableMap.builderWithExpectedSize(
                    in.clusters().size());
            // Clusters and EDS resources are both sorted by name, and istiod names an EDS resource after its
            // cluster: found by walking both in step (a merge), looked up only when out of step.
            var eds = in.endpoints().entrySet().iterator();
            Map.Entry<String, ClusterLoadAssignment> nextEds = eds.hasNext() ? eds.next() : null;
            for (XdsClusterResource.Update c : in.clusters().values()) {
                ClusterLoadAssignment own = c.inlineEndpoints();
                String edsName = c.edsServiceName();
                if (own == null && edsName != null) {
                    while (nextEds != null && nextEds.getKey().compareTo(edsName) < 0) {
                        nextEds = eds.hasNext() ? eds.next() : null;
                    }
                    own = nextEds != null && nextEds.getKey().equals(edsName) ? nextEds.getValue()
                            : in.endpoints().get(edsName);
                }
                if (own != null) {
                    // istiod names an EDS resource after its cluster: the parsed assignment is then the model's as
                    // it is, the same object as in the model before, so the compiler finds it unchanged by identity.
                    assignments.put(c.name(), own.named(c.name()));
                }
            }
            maps.assignments = assignments.buildOrThrow();
            maps.endpointsFrom = in.endpoints();
        }
        ImmutableMap.Builder<Integer, RouteConfiguration> routes = ImmutableMap.builder();
        configs.forEach(rc -> routes.put(rc.port(), rc));
        MeshModel model = new MeshModel(routes.buildOrThrow(), maps.clusters, maps.assignments, outbound[0],
                List.of());
        return new Result(model, a.warnings);
    }

    // ---- Proxyless: host:port listeners ----

    private List<RouteConfiguration> proxylessRoutes(Inputs in) {
        // Per port, listener hosts first: a listener's own host is never taken by another's alias.
        Map<Integer, List<XdsListenerResource.Update>> byPort = new TreeMap<>();
        for (XdsListenerResource.Update l : in.listeners().values()) {
            if (!l.routes()) {
                continue;
            }
            if (l.port() == null || l.host() == null || l.host().isEmpty()) {
                warn("LDS", l.name(), "the listener name is not host:port; no calls are routed through it");
                continue;
            }
            byPort.computeIfAbsent(l.port(), k -> new ArrayList<>()).add(l);
        }
        List<RouteConfiguration> out = new ArrayList<>();
        for (Map.Entry<Integer, List<XdsListenerResource.Update>> e : byPort.entrySet()) {
            int port = e.getKey();
            Set<String> taken = new HashSet<>();
            List<XdsListenerResource.Update> listeners = new ArrayList<>();
            for (XdsListenerResource.Update l : e.getValue()) {
                if (taken.add(l.host())) {
                    listeners.add(l);
                } else {
                    warn("LDS", l.name(), "another listener already serves " + l.host() + ":" + port + "; ignored");
                }
            }
            List<VirtualHost> hosts = new ArrayList<>();
            for (XdsListenerResource.Update l : listeners) {
                RouteConfiguration rc = routesOf(l, in, port);
                if (rc == null) {
                    continue;
                }
                VirtualHost vh = selectVirtualHost(rc.virtualHosts(), l.host());
                List<HostName> domains = new ArrayList<>(List.of(HostName.of(l.host())));
                List<Route> routes = List.of();
                String origin = null;
                if (vh == null) {
                    warn("LDS", l.name(), "route configuration " + rc.name() + " has no virtual host for " + l.name()
                            + "; calls to it find no route");
                } else {
                    routes = vh.routes();
                    origin = vh.origin();
                    for (HostName d : vh.domains()) {
                        if (!d.toString().contains("*") && taken.add(d.toString())) {
                            domains.add(d);
                        }
                    }
                }
                hosts.add(VirtualHost.of(l.name(), domains, routes, origin));
            }
            out.add(RouteConfiguration.of(String.valueOf(port), port, hosts));
        }
        return out;
    }

    /** The routes of listener {@code l} with its filters applied, or null when they are not (yet) there. */
    private RouteConfiguration routesOf(XdsListenerResource.Update l, Inputs in, int port) {
        if (l.inlineRoutes() != null) {
            return l.inlineRoutes();
        }
        var raw = in.routes().get(l.routeConfigName());
        if (raw == null) {
            return null; // not received, or does not exist: no routes for this host
        }
        return parseRoutes(raw, port, ctx.withFilters(l.filters()));
    }

    private RouteConfiguration parseRoutes(io.envoyproxy.envoy.config.route.v3.RouteConfiguration raw, int port,
                                           ParseContext context) {
        Parsed<RouteConfiguration> parsed = parses.parse(raw, port, context);
        if (!parsed.ok()) {
            // It was ACKed under the default filters; a listener's own filters cannot make it invalid, but if
            // they do, its routes are left out rather than half applied.
            warn("RDS", raw.getName(), "left out on port " + port + ": " + parsed.error());
            return null;
        }
        return parsed.value();
    }

    /** Envoy's virtual host selection for a host (no port): exact, longest {@code *suffix}, longest {@code prefix*}, {@code *}. */
    static VirtualHost selectVirtualHost(List<VirtualHost> hosts, String host) {
        for (VirtualHost vh : hosts) {
            if (vh.domains().stream().anyMatch(d -> d.toString().equals(host))) {
                return vh;
            }
        }
        VirtualHost best = null;
        int bestLength = -1;
        for (boolean suffix : new boolean[] {true, false}) {
            for (VirtualHost vh : hosts) {
                for (HostName domain : vh.domains()) {
                    String d = domain.toString();
                    if (d.length() < 2 || d.length() <= bestLength) {
                        continue;
                    }
                    boolean match = suffix ? d.startsWith("*") && host.endsWith(d.substring(1))
                            && host.length() > d.length() - 1
                            : d.endsWith("*") && host.startsWith(d.substring(0, d.length() - 1))
                            && host.length() > d.length() - 1;
                    if (match) {
                        best = vh;
                        bestLength = d.length();
                    }
                }
            }
            if (best != null) {
                return best;
            }
        }
        for (VirtualHost vh : hosts) {
            if (vh.hasDomain(HostName.ANY)) {
                return vh;
            }
        }
        return null;
    }

    // ---- Sidecar: route configurations by port ----

    private List<RouteConfiguration> sidecarRoutes(Inputs in, MeshModel.OutboundPolicy[] outbound) {
        Map<String, Integer> portByName = new HashMap<>();
        for (XdsListenerResource.Update l : in.listeners().values()) {
            if (l.routeConfigName() != null && l.port() != null) {
                portByName.putIfAbsent(l.routeConfigName(), l.port());
            }
        }
        Map<Integer, RouteConfiguration> byPort = new TreeMap<>();
        for (XdsListenerResource.Update l : in.listeners().values()) {
            if (l.inlineRoutes() != null && l.port() != null) {
                byPort.putIfAbsent(l.port(), catchAll(l.inlineRoutes(), in, outbound));
            }
        }
        for (var e : in.routes().entrySet()) {
            String name = e.getKey();
            Integer port = portByName.get(name);
            if (port == null) {
                port = HostPort.isPort(name) ? Integer.valueOf(name) : HostPort.port(name);
            }
            if (port == null || port == 0) {
                warn("RDS", name, "no listener names this route configuration and its name is not a port; its"
                        + " routes are not used");
                continue;
            }
            if (byPort.containsKey(port)) {
                warn("RDS", name, "port " + port + " already has its route configuration; ignored");
                continue;
            }
            RouteConfiguration rc = parseRoutes(e.getValue(), port, ctx);
            if (rc != null) {
                byPort.put(port, catchAll(rc, in, outbound));
            }
        }
        return List.copyOf(byPort.values());
    }

    /**
     * istiod's catch-all virtual host ({@code *}) as the model's outbound policy: {@code allow_any} forwards to
     * the passthrough cluster, {@code block_all} answers 502. Any other {@code *} virtual host stays.
     */
    private RouteConfiguration catchAll(RouteConfiguration rc, Inputs in, MeshModel.OutboundPolicy[] outbound) {
        List<VirtualHost> dropped = new ArrayList<>(1);
        for (VirtualHost vh : rc.virtualHosts()) {
            boolean any = vh.domains().size() == 1 && vh.domains().get(0).equals(HostName.ANY);
            if (any && isBlockAll(vh)) {
                outbound[0] = MeshModel.OutboundPolicy.REGISTRY_ONLY;
                dropped.add(vh);
            } else if (any && isAllowAny(vh, in)) {
                dropped.add(vh);
            }
        }
        // The rest as they are: their domains were checked when the configuration was built.
        return dropped.isEmpty() ? rc : rc.without(dropped);
    }

    private static boolean isBlockAll(VirtualHost vh) {
        return vh.routes().size() == 1 && vh.routes().get(0).action() instanceof DirectResponse d
                && d.status() == 502;
    }

    private static boolean isAllowAny(VirtualHost vh, Inputs in) {
        if (vh.routes().isEmpty()) {
            return false;
        }
        for (Route r : vh.routes()) {
            if (!(r.action() instanceof RouteAction a)) {
                return false;
            }
            for (ClusterWeight w : a.clusters()) {
                XdsClusterResource.Update c = in.clusters().get(w.cluster());
                boolean passthrough = c != null ? c.cluster().discovery() == Cluster.Discovery.ORIGINAL_DST
                        : w.cluster().equals(PASSTHROUGH_CLUSTER);
                if (!passthrough) {
                    return false;
                }
            }
        }
        return true;
    }

    private void warn(String type, String name, String message) {
        warnings.add(warning(type, name, "", message));
    }

    static Problem warning(String type, String name, String path, String message) {
        return new Problem(Severity.WARNING, null, 0, type, null, name, path, message);
    }

    /** Names in order, once each (for subscriptions). */
    static Set<String> clusterNames(RouteConfiguration rc) {
        Set<String> out = new LinkedHashSet<>();
        for (VirtualHost vh : rc.virtualHosts()) {
            for (Route r : vh.routes()) {
                if (r.action() instanceof RouteAction a) {
                    a.clusters().forEach(w -> out.add(w.cluster()));
                    a.mirrors().forEach(m -> out.add(m.cluster()));
                }
            }
        }
        return out;
    }
}
