package io.proxyless.mesh.runtime.routing;

import io.proxyless.mesh.api.HostName;
import io.proxyless.mesh.api.OutboundTrafficPolicy;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.balancing.EndpointTracker;
import io.proxyless.mesh.runtime.config.MeshConfig;
import io.proxyless.mesh.runtime.model.MeshModel;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.registry.ServiceRegistry;
import io.proxyless.mesh.runtime.security.InboundPolicy;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * A config snapshot compiled for one client: host table (with every short-name alias precomputed), route tables,
 * clusters. {@link #route} only reads immutable structures, so requests never lock and never see a half-applied
 * config; a request that started on this snapshot finishes on it.
 */
public final class CompiledMesh {
    // Of the config it was compiled from, only what tells the snapshot apart and what a dump shows: the config's
    // resources stay with the source that loaded them (and the mesh, as Mesh.config()), not with every snapshot.
    private final long version;
    private final List<Problem> configWarnings;
    private final ServiceRegistry registry;
    private final HostTable anyPort;
    private final Map<Integer, HostTable> byPort;
    // The same tables by listener port, sorted, so a lookup boxes no port number.
    private final int[] ports;
    private final HostTable[] portTables;
    private final Map<String, Cluster> clusters;
    private final OutboundTrafficPolicy.Mode outboundPolicy;
    private final String domainSuffix;
    private final String clientNamespace;
    private final List<String> warnings;
    private final Map<String, EndpointTracker> trackers;
    private final MeshModel model;
    private final InboundPolicy inbound;
    private final Map<Integer, RouteTables.PortTable> compiledTables;
    // Made on first use (only adapters with keyed headers ask), once per snapshot; a race makes an equal set twice.
    private volatile Set<String> requestHeaderNames;

    CompiledMesh(MeshConfig config, ServiceRegistry registry, HostTable anyPort, Map<Integer, HostTable> byPort,
                 Map<String, Cluster> clusters,
                 OutboundTrafficPolicy.Mode outboundPolicy, String clientNamespace, String domainSuffix,
                 List<String> warnings, Map<String, EndpointTracker> trackers, MeshModel model,
                 InboundPolicy inbound, Map<Integer, RouteTables.PortTable> compiledTables) {
        this.inbound = inbound;
        this.compiledTables = compiledTables;
        this.trackers = trackers;
        this.model = model;
        this.version = config.version();
        this.configWarnings = config.warnings();
        this.registry = registry;
        this.anyPort = anyPort;
        this.byPort = Map.copyOf(byPort);
        this.ports = byPort.keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
        this.portTables = new HostTable[ports.length];
        for (int i = 0; i < ports.length; i++) {
            portTables[i] = byPort.get(ports[i]);
        }
        this.clusters = clusters;
        this.outboundPolicy = outboundPolicy;
        this.clientNamespace = clientNamespace;
        this.domainSuffix = domainSuffix;
        this.warnings = List.copyOf(warnings);
    }

    /**
     * What each route configuration of the model compiled to, by port: the next compilation carries over the host
     * table entries whose virtual hosts did not change, and finds the compiled routes of each (routes, origin).
     */
    Map<Integer, RouteTables.PortTable> portTables() {
        return compiledTables;
    }

    /** The endpoint tracker (in-flight counts, first-seen times) of cluster {@code key} in this snapshot, or null. */
    EndpointTracker tracker(String key) {
        return trackers.get(key);
    }

    /**
     * The Envoy-shaped route model this snapshot was compiled from: route configurations per port, virtual hosts,
     * routes, clusters and endpoints — what istiod would send this client, or what the xDS source received.
     */
    public MeshModel model() {
        return model;
    }

    /**
     * The inbound policy of this workload in this snapshot: mTLS modes per port (PeerAuthentication) and the
     * authorization engines (AuthorizationPolicy), compiled with the snapshot; {@link InboundPolicy#allowAll()}
     * when the config carries no security policy for the workload (an xDS route model carries none yet).
     */
    public InboundPolicy inbound() {
        return inbound;
    }

    /**
     * The request header names this snapshot's routes read (lower case, as they ask for them): header matches
     * other than pseudo-headers, header hash policies, and {@code cookie} for cookie hash policies. Adapters whose
     * header objects are read through a key per name (gRPC metadata) make those keys from it once per snapshot,
     * joined with the names listeners and header contributors declare ({@code CallEngine.requestHeaderNames}).
     * Other readers of the request may still ask for names neither holds.
     */
    public Set<String> requestHeaderNames() {
        Set<String> names = requestHeaderNames;
        if (names == null) {
            names = RequestHeaderNames.of(model);
            requestHeaderNames = names;
        }
        return names;
    }

    /**
     * The version of the config this snapshot was compiled from ({@link MeshConfig#version()}): unique and
     * increasing, so a newer snapshot has a larger one. The config itself is {@code Mesh.config()}, which the
     * source holds anyway.
     */
    public long version() {
        return version;
    }

    /**
     * The warnings and infos that came with the config this snapshot was compiled from
     * ({@link MeshConfig#warnings()}: loading, validation, analysis), for dumps and the CLI; compile warnings are
     * {@link #warnings()}.
     */
    public List<Problem> configWarnings() {
        return configWarnings;
    }

    public ServiceRegistry registry() {
        return registry;
    }

    /** All clusters by Istio cluster name. */
    public Map<String, Cluster> clusters() {
        return clusters;
    }

    /** Problems found while compiling (ignored duplicate VirtualServices, unknown subsets, …). */
    public List<String> warnings() {
        return warnings;
    }

    public OutboundTrafficPolicy.Mode outboundTrafficPolicy() {
        return outboundPolicy;
    }

    /**
     * Every host entry once (short-name aliases left out, wildcard entries included), sorted by host; for
     * dumps and the CLI.
     */
    public List<HostEntry> hosts() {
        Map<String, HostEntry> distinct = new java.util.TreeMap<>();
        for (HostTable t : tables()) {
            t.exactEntries().forEach(e -> distinct.putIfAbsent(e.host(), e));
            t.wildcards().forEach(w -> distinct.putIfAbsent(w.getValue().host(), w.getValue()));
            if (t.any() != null) {
                distinct.putIfAbsent(t.any().host(), t.any());
            }
        }
        return List.copyOf(distinct.values());
    }

    /**
     * The entries of {@code host} (as {@link #hosts()} names it) in the tables of the listener ports that have one,
     * by port in ascending order: a service with several ports has routes per port (a VirtualService's
     * {@code match.port} picks among them). Empty for a host only the table for any port holds. For dumps and the CLI.
     */
    public java.util.SortedMap<Integer, HostEntry> entriesByPort(String host) {
        java.util.SortedMap<Integer, HostEntry> out = new java.util.TreeMap<>();
        for (int i = 0; i < ports.length; i++) {
            HostTable t = portTables[i];
            HostEntry e = t.exact(host);
            if (e == null && host.startsWith("*")) {
                e = host.equals("*") ? t.any() : t.wildcards().stream().filter(w -> w.getValue().host().equals(host))
                        .map(Map.Entry::getValue).findFirst().orElse(null);
            }
            if (e != null && e.host().equals(host)) {
                out.put(ports[i], e);
            }
        }
        return java.util.Collections.unmodifiableSortedMap(out);
    }

    /** The lookup scopes: one per listener port, then the one for any port. */
    private List<HostTable> tables() {
        List<HostTable> out = new java.util.ArrayList<>(portTables.length + 1);
        out.addAll(List.of(portTables));
        out.add(anyPort);
        return out;
    }

    /**
     * The entry of {@code host} for a request on {@code port}: its port's table, else the table for any port
     * (single-port services by name alone).
     */
    private HostEntry lookup(String host, int port) {
        int i = java.util.Arrays.binarySearch(ports, port);
        if (i >= 0) {
            HostEntry e = portTables[i].entry(host);
            if (e != null) {
                return e;
            }
        }
        return anyPort.entry(host);
    }

    /** The routes in force for {@code host} (any alias), for dumps and the CLI; empty when none. */
    public List<CompiledRoute> routes(String host) {
        HostEntry e = entry(host);
        return e == null ? List.of() : e.routes();
    }

    /** The fully qualified name the engine uses for {@code host} as a client of this mesh would write it. */
    public String qualify(String host) {
        for (HostTable t : tables()) {
            HostEntry e = t.exactOrAlias(host);
            if (e != null) {
                return e.host();
            }
        }
        return qualifyUnknown(host);
    }

    /** The entry of {@code host} on any port (for dumps and the CLI). */
    HostEntry entry(String host) {
        for (HostTable t : tables()) {
            HostEntry e = t.entry(host);
            if (e != null) {
                return e;
            }
        }
        return null;
    }

    private String qualifyUnknown(String host) {
        return HostTable.nameless(host) ? host : HostName.qualified(host, clientNamespace, domainSuffix).toString();
    }

    /** Decides what to do with {@code request}; see {@link RouteDecision}. */
    public RouteDecision route(RouteRequest request, RandomGenerator random) {
        HostEntry entry = lookup(request.host(), request.port());
        if (entry == null) {
            return unknownHost(request);
        }
        String host = entry.host().startsWith("*") ? HostName.normalize(request.host()) : entry.host();
        if (entry.routes().isEmpty()) {
            return RouteDecision.reject(host, request.port(), null, 404,
                    entry.origin() + " has no HTTP route for the mesh");
        }
        List<CompiledRoute> routes = entry.routes();
        for (int i = 0; i < routes.size(); i++) {
            CompiledRoute route = routes.get(i);
            int block = route.matchIndex(request);
            if (block != CompiledRoute.NO_MATCH) {
                return apply(route, block, request, host, random);
            }
        }
        return RouteDecision.reject(host, request.port(), null, 404, "no route of " + entry.origin()
                + " matched the request (a sidecar answers 404)");
    }

    private RouteDecision apply(CompiledRoute route, int block, RouteRequest request, String host,
                                RandomGenerator random) {
        switch (route.action()) {
            case REDIRECT:
                return new RouteDecision(RouteAction.REDIRECT, host, request.port(), route, null, null, null, 0, null,
                        block);
            case DIRECT_RESPONSE:
                return new RouteDecision(RouteAction.DIRECT_RESPONSE, host, request.port(), route, null, null, null,
                        0, null, block);
            default:
                break;
        }
        int picked = route.pickDestinationIndex(random);
        if (picked < 0) {
            return RouteDecision.reject(host, request.port(), route, 503, "route " + route
                    + " has no destination with a weight above 0");
        }
        WeightedDestination destination = route.destinations().get(picked);
        Cluster cluster = destination.cluster();
        if (cluster == null) {
            String why = destination.problem();
            return new RouteDecision(RouteAction.REJECT, host, request.port(), route, destination, null, null, 503,
                    why + " (route " + route + "; a sidecar answers 503)", block);
        }
        return forward(request, host, route, block, route.forwardTarget(picked), random);
    }

    private RouteDecision forward(RouteRequest request, String host, CompiledRoute route, int block,
                                  RouteDecision.Target target, RandomGenerator random) {
        Cluster cluster = target.cluster();
        Endpoint endpoint;
        if (cluster.passthrough()) {
            endpoint = Endpoint.of(request.host(), request.port());
        } else {
            endpoint = cluster.pick(request, route == null ? null : route.hash(), Set.of(), random);
            if (endpoint == null) {
                return new RouteDecision(RouteAction.REJECT, host, request.port(), route, target.destination(),
                        cluster, null, 503, "no healthy upstream in cluster " + cluster.key()
                                + (cluster.endpoints().isEmpty() ? " (it has no endpoints" + subsetHint(cluster) + ")"
                                : " (all endpoints ejected by outlier detection)"), block);
            }
        }
        return new RouteDecision(target, host, request.port(), endpoint, block);
    }

    private static String subsetHint(Cluster cluster) {
        return cluster.subset() == null ? "" : "; do any endpoints carry the labels of subset " + cluster.subset() + "?";
    }

    private RouteDecision unknownHost(RouteRequest request) {
        String host = qualifyUnknown(request.host());
        if (outboundPolicy == OutboundTrafficPolicy.Mode.REGISTRY_ONLY) {
            if (registry.lookup(host).isPresent()) {
                return RouteDecision.reject(host, request.port(), null, 502, "port " + request.port()
                        + " is not a port of service " + host + " and outboundTrafficPolicy is REGISTRY_ONLY");
            }
            return RouteDecision.reject(host, request.port(), null, 502, "host " + host
                    + " is not in the mesh registry and outboundTrafficPolicy is REGISTRY_ONLY "
                    + "(add a ServiceEntry for it; a sidecar answers 502)");
        }
        return passthrough(request, host);
    }

    private RouteDecision passthrough(RouteRequest request, String host) {
        Cluster passthrough = clusters.get(MeshCompiler.PASSTHROUGH_CLUSTER);
        return new RouteDecision(RouteAction.FORWARD, host, request.port(), null, null, passthrough,
                Endpoint.of(request.host(), request.port()), 0, null, -1);
    }
}
