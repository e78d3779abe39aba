package io.proxyless.mesh.runtime.routing;

import com.google.common.collect.Interner;
import com.google.common.collect.Interners;
import io.proxyless.mesh.api.LoadBalancerSettings;
import io.proxyless.mesh.api.OutboundTrafficPolicy;
import io.proxyless.mesh.runtime.balancing.EndpointTracker;
import io.proxyless.mesh.runtime.balancing.LoadBalancers;
import io.proxyless.mesh.runtime.balancing.LocalityPriorities;
import io.proxyless.mesh.runtime.balancing.WeightedLocalities;
import io.proxyless.mesh.runtime.config.MeshConfig;
import io.proxyless.mesh.runtime.health.ClusterHealth;
import io.proxyless.mesh.runtime.health.ConnectionPool;
import io.proxyless.mesh.runtime.health.HealthPlan;
import io.proxyless.mesh.runtime.health.OutlierDetector;
import io.proxyless.mesh.runtime.model.ClusterKey;
import io.proxyless.mesh.runtime.model.LbEndpoint;
import io.proxyless.mesh.runtime.model.LbPolicy;
import io.proxyless.mesh.runtime.model.MeshModel;
import io.proxyless.mesh.runtime.model.RouteConfiguration;
import io.proxyless.mesh.runtime.model.TransportSocketMatch;
import io.proxyless.mesh.runtime.model.UpstreamTls;
import io.proxyless.mesh.runtime.policy.ClusterPolicy;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.registry.RegistryOptions;
import io.proxyless.mesh.runtime.registry.ServiceRegistry;
import io.proxyless.mesh.runtime.security.InboundPolicy;
import io.proxyless.mesh.runtime.time.MeshClock;
import io.proxyless.mesh.runtime.tls.ClientTlsContext;
import io.proxyless.mesh.runtime.tls.ClientTlsContexts;
import io.proxyless.mesh.runtime.tls.ClientTlsPolicy;
import io.proxyless.mesh.runtime.tls.TlsConfigException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * Compiles the route model ({@link MeshModel}: route configurations per listener port, virtual hosts, routes,
 * clusters and their endpoints) into the request path's {@link CompiledMesh}, as an Envoy or grpc-java client
 * carries out what its control plane sent:
 *
 * <ul>
 *   <li>a host table per listener port from the virtual hosts' domains: exact names, {@code *.suffix} wildcards
 *       (the longest wins) and {@code *};</li>
 *   <li>routes with their matches, weighted clusters, timeouts, retry, fault, mirror and hash policies, header
 *       changes and rewrites; a redirect or direct response answered locally;</li>
 *   <li>a cluster per model cluster with its endpoints (priority levels from the endpoints' priorities), its load
 *       balancer, outlier detector, circuit breakers and connection settings, and its TLS context, built through
 *       the mesh's {@link ClientTlsContexts} so that bad certificate files reject the config.</li>
 * </ul>
 *
 * <p>Like {@link MeshCompiler#compile}, compiling is pure: long-lived detectors and pools are only looked up, and
 * what the new snapshot asks of them comes back as the {@link HealthPlan} of the {@link Compilation}.
 *
 * <pre>{@code
 * Compilation next = new ModelCompiler(options, health, clock, tls).compile(MeshConfig.ofModel(model, List.of()), current);
 * }</pre>
 */
public final class ModelCompiler {
    /** Stands for a cluster's own {@code transport_socket}, for endpoints no entry of its matches takes. */
    private static final TransportSocketMatch OWN_SOCKET = new TransportSocketMatch("", Map.of(), null);
    private final RegistryOptions options;
    private final ClusterHealth health;
    private final MeshClock clock;
    private final ClientTlsContexts tls;
    // A compiled cluster's endpoints are the registry's (Istio config) and the previous snapshot's endpoint objects
    // when equal, so that the snapshot holds one object (and one parsed address) per endpoint.
    private final Interner<Endpoint> sharedEndpoints = Interners.newWeakInterner();
    // Clusters written alike (the same circuit breakers and connection settings) share their pool limits.
    private final Interner<ConnectionPool.Limits> sharedLimits = Interners.newWeakInterner();

    /**
     * @param options the client (namespace, labels, domain suffix): names outside the model are qualified in it
     * @param health  outlier detection and connection-pool state, kept across compilations (only read here)
     * @param clock   the mesh clock (slow start, outlier detection)
     * @param tls     the mesh's TLS contexts: every TLS cluster's context is built through it
     */
    public ModelCompiler(RegistryOptions options, ClusterHealth health, MeshClock clock, ClientTlsContexts tls) {
        this.options = options;
        this.health = health;
        this.clock = clock;
        this.tls = tls;
    }

    /**
     * Compiles the model of {@code config}; {@code previous} (the snapshot in force, or null) lends the
     * per-endpoint state that carries over. Nothing shared is changed: carry out {@link Compilation#plan()} when
     * publishing.
     *
     * @throws IllegalArgumentException when {@code config} has no model ({@link MeshConfig#ofModel})
     * @throws TlsConfigException       when a TLS cluster's certificates cannot be loaded
     */
    public Compilation compile(MeshConfig config, CompiledMesh previous) throws TlsConfigException {
        MeshModel model = config.model().orElseThrow(() -> new IllegalArgumentException(
                "config version " + config.version() + " holds Istio resources, not a route model"));
        // A model config has no Istio resources, so its registry is empty: the model's clusters are the services.
        return compile(model, config, ServiceRegistry.build(config, options), List.of(), Map.of(), Map.of(),
                config.inbound().orElse(InboundPolicy.allowAll()), previous);
    }

    /** The endpoint equal to {@code endpoint} that snapshots of this compiler already hold, else itself. */
    Endpoint shared(Endpoint endpoint) {
        return sharedEndpoints.intern(endpoint);
    }

    /**
     * Compiles {@code model}, the route model of {@code config} (written from Istio resources by
     * {@link MeshCompiler}, or the config's own).
     *
     * @param registry the services of {@code config} as this client sees them (empty for a model config)
     * @param warnings what the writer of the model found, reported before the model's own warnings
     * @param missing  what the clusters routes name but the model lacks stood for, by cluster name
     * @param policies the merged DestinationRule policy each cluster was written from, by cluster name, for dumps
     * @param inbound  the workload's inbound policy compiled from the same config
     */
    /** What a cluster without a load assignment is compiled with. */
    private static final io.proxyless.mesh.runtime.model.ClusterLoadAssignment NO_ENDPOINTS =
            io.proxyless.mesh.runtime.model.ClusterLoadAssignment.of("", List.of());

    /**
     * Whether two load assignments compile alike: the same endpoints, over-provisioning factor and left-out counts
     * (the cluster's name aside, which the caller matched).
     */
    private static boolean sameAssignment(io.proxyless.mesh.runtime.model.ClusterLoadAssignment now,
                                          io.proxyless.mesh.runtime.model.ClusterLoadAssignment before) {
        return now == before || now.endpoints().equals(before.endpoints())
                && now.overprovisioningFactor() == before.overprovisioningFactor()
                && now.leftOutByPriority().equals(before.leftOutByPriority())
                && now.leftOutByLocality().equals(before.leftOutByLocality());
    }

    Compilation compile(MeshModel model, MeshConfig config, ServiceRegistry registry, List<String> warnings,
                        Map<String, RouteTables.Missing> missing, Map<String, ClusterPolicy> policies,
                        InboundPolicy inbound, CompiledMesh previous) throws TlsConfigException {
        Build build = new Build(previous, policies, model.clusters().size());
        // The model's maps keep the source's order, and load assignments come in the order of their clusters (both
        // sources write them so): walked alongside the clusters, each is found without a lookup.
        InStep<io.proxyless.mesh.runtime.model.ClusterLoadAssignment> assignments = new InStep<>(
                model.loadAssignments(), io.proxyless.mesh.runtime.model.ClusterLoadAssignment::clusterName);
        for (io.proxyless.mesh.runtime.model.Cluster c : model.clusters().values()) {
            var assignment = assignments.get(c.name());
            build.cluster(c, assignment == null ? NO_ENDPOINTS : assignment);
        }
        if (!build.clusters.containsKey(MeshCompiler.PASSTHROUGH_CLUSTER)) {
            ClusterHealth.Entry passthrough = build.healthEntry(MeshCompiler.PASSTHROUGH_CLUSTER, null,
                    ConnectionPool.Limits.ISTIO_DEFAULT, List.of());
            // The previous one carries over when its detector and pool are still the ones in force (it has nothing
            // else): made anew, it was a replaced cluster on every compilation, so no change ever replaced none.
            Cluster before = previous == null || previous.model() == null
                    || previous.model().clusters().containsKey(MeshCompiler.PASSTHROUGH_CLUSTER) ? null
                    : previous.clusters().get(MeshCompiler.PASSTHROUGH_CLUSTER);
            build.put(MeshCompiler.PASSTHROUGH_CLUSTER, before != null && before.outlier() == passthrough.outlier()
                    && before.pool() == passthrough.pool() ? before : new Cluster(MeshCompiler.PASSTHROUGH_CLUSTER,
                    "", null, 0, List.of(), ClusterPolicy.NONE, LoadBalancers.create((LoadBalancerSettings) null,
                    List.of()), passthrough.outlier(), passthrough.pool(), true, null, null, null));
        }
        if (build.tlsFailure != null) {
            throw build.tlsFailure;
        }
        List<String> allWarnings = new ArrayList<>(warnings);
        allWarnings.addAll(model.warnings());
        // The build's own map, handed over: nothing adds to it from here on.
        Map<String, Cluster> clusters = java.util.Collections.unmodifiableMap(build.clusters);
        RouteTables tables = new RouteTables(clusters, missing, allWarnings, previous, build.replaced());
        Map<Integer, HostTable> byPort = new HashMap<>();
        HostTable anyPort = HostTable.EMPTY;
        for (RouteConfiguration rc : model.routeConfigurations().values()) {
            if (rc.port() == RouteConfiguration.ANY_PORT) {
                anyPort = tables.hostTable(rc);
            } else {
                byPort.put(rc.port(), tables.hostTable(rc));
            }
        }
        OutboundTrafficPolicy.Mode outbound = model.outboundPolicy() == MeshModel.OutboundPolicy.REGISTRY_ONLY
                ? OutboundTrafficPolicy.Mode.REGISTRY_ONLY : OutboundTrafficPolicy.Mode.ALLOW_ANY;
        CompiledMesh snapshot = new CompiledMesh(config, registry, anyPort, byPort, clusters, outbound,
                options.clientNamespace(), options.domainSuffix(), allWarnings,
                java.util.Collections.unmodifiableMap(build.trackers),
                model, inbound, tables.portTables());
        return new Compilation(snapshot, build.plan.build());
    }

    /**
     * Looks values of an ordered map up by name while walking a list of names in (mostly) the same order: the next
     * value when its name is the one asked for, else a lookup. A one-service change hands over models whose
     * clusters and assignments are in the same order as before, so nearly every one is found in step.
     */
    private static final class InStep<V> {
        private final Map<String, V> map;
        private final java.util.function.Function<V, String> nameOf;
        private final java.util.Iterator<V> values;
        private V next;

        InStep(Map<String, V> map, java.util.function.Function<V, String> nameOf) {
            this.map = map;
            this.nameOf = nameOf;
            this.values = map.values().iterator();
            this.next = values.hasNext() ? values.next() : null;
        }

        /** The value named {@code name}, or null. */
        V get(String name) {
            if (next != null && nameOf.apply(next).equals(name)) {
                V found = next;
                next = values.hasNext() ? values.next() : null;
                return found;
            }
            return map.get(name);
        }
    }

    /** The state of one compilation. */
    private final class Build {
        final CompiledMesh previous;
        final Map<String, ClusterPolicy> policies;
        // Sized for the model's clusters and the passthrough one: at 10,000 clusters, growing them rehashed every
        // name a dozen times on each change.
        final Map<String, Cluster> clusters;
        final Map<String, EndpointTracker> trackers;
        final HealthPlan.Builder plan = HealthPlan.builder();
        // The previous model's clusters and assignments, walked alongside this model's.
        final InStep<io.proxyless.mesh.runtime.model.Cluster> previousModelClusters;
        final InStep<io.proxyless.mesh.runtime.model.ClusterLoadAssignment> previousAssignments;
        // The previous snapshot's compiled clusters, in the same order (its model's, the passthrough cluster last).
        final InStep<Cluster> previousClusters;
        // The previous snapshot's clusters this one replaced, and how many of its clusters were looked at: when
        // all of them were, those replaced are known without going over the previous snapshot again.
        final java.util.Set<Cluster> replaced = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        int previousSeen;
        TlsConfigException tlsFailure;

        Build(CompiledMesh previous, Map<String, ClusterPolicy> policies, int size) {
            this.previous = previous;
            this.policies = policies;
            this.clusters = new LinkedHashMap<>((size + 1) * 4 / 3 + 1);
            this.trackers = new HashMap<>((size + 1) * 4 / 3 + 1);
            MeshModel before = previous == null ? null : previous.model();
            this.previousModelClusters = before == null ? null : new InStep<>(before.clusters(),
                    io.proxyless.mesh.runtime.model.Cluster::name);
            this.previousAssignments = before == null ? null : new InStep<>(before.loadAssignments(),
                    io.proxyless.mesh.runtime.model.ClusterLoadAssignment::clusterName);
            this.previousClusters = before == null ? null : new InStep<>(previous.clusters(), Cluster::key);
        }

        /**
         * The previous snapshot's clusters that the compiled clusters do not carry over (routes to them are
         * compiled again), or null when not every previous cluster was looked at.
         */
        java.util.Set<Cluster> replaced() {
            if (previous == null) {
                return java.util.Set.of();
            }
            return previousSeen == previous.clusters().size() ? replaced : null;
        }

        /** Puts {@code compiled} in the snapshot under {@code name}, noting the previous cluster it replaces. */
        void put(String name, Cluster compiled) {
            Cluster before = previous == null ? null : previous.clusters().get(name);
            if (before != null) {
                previousSeen++;
                if (before != compiled) {
                    replaced.add(before);
                }
            }
            clusters.put(name, compiled);
        }

        ClusterHealth.Entry healthEntry(String key, OutlierDetector.Settings outlier, ConnectionPool.Limits limits,
                                        List<Endpoint> endpoints) {
            ClusterHealth.Entry entry = HealthPlan.entryFor(health, key, outlier, limits, endpoints);
            plan.cluster(entry, outlier, limits, endpoints, health.get(key) != entry);
            return entry;
        }

        /** A successor of the tracker in force (in-flight counts and first-seen times carry over), or a new one. */
        EndpointTracker tracker(String key) {
            EndpointTracker current = previous == null ? null : previous.tracker(key);
            EndpointTracker next = current != null ? current.successor() : new EndpointTracker(clock::nanoTime);
            trackers.put(key, next);
            return next;
        }

        /**
         * Compiles cluster {@code c} with its load assignment (endpoints, over-provisioning factor, endpoints left
         * out per priority), or carries the compiled cluster in force over when nothing of it changed.
         */
        void cluster(io.proxyless.mesh.runtime.model.Cluster c,
                     io.proxyless.mesh.runtime.model.ClusterLoadAssignment assignment) {
            String name = c.name();
            ClusterKey key = c.key();
            List<LbEndpoint> lbEndpoints = assignment.endpoints();
            Cluster unchanged = unchanged(c, assignment);
            if (unchanged != null) {
                ClusterHealth.Entry inForce = health.get(name);
                EndpointTracker tracker = previous.tracker(name);
                if (inForce != null && inForce.outlier() == unchanged.outlier() && inForce.pool() == unchanged.pool()
                        && tracker != null
                        && tlsContext(ClientTlsPolicy.of(name, key, c.tls())) == unchanged.tlsContext()) {
                    // Incremental compile: the same cluster, endpoints and policy compile to what is in force, so
                    // the compiled cluster (balancer and tracker included) carries over as it is, and its detector
                    // and pool keep the settings and endpoints the snapshot in force gave them. Decided before any
                    // setting is built: at 10,000 clusters, building and interning every cluster's outlier and pool
                    // settings only to find them unchanged was a sixth of a one-service change.
                    plan.keep(name);
                    previousSeen++;
                    clusters.put(name, unchanged);
                    trackers.put(name, tracker);
                    return;
                }
            }
            OutlierDetector.Settings outlier = OutlierDetector.Settings.from(c.outlierDetection());
            ConnectionPool.Limits limits = sharedLimits.intern(ConnectionPool.Limits.from(c.circuitBreakers(),
                    c.connection()));
            ClusterHealth.Entry entry = null;
            if (unchanged != null) {
                entry = HealthPlan.entryFor(health, name, outlier, limits, unchanged.endpoints());
                plan.cluster(entry, outlier, limits, unchanged.endpoints(), health.get(name) != entry);
            }
            boolean passthrough = c.discovery() == io.proxyless.mesh.runtime.model.Cluster.Discovery.ORIGINAL_DST;
            boolean localityWeighted = c.lbPolicy().localityWeighted();
            List<Endpoint> endpoints = new ArrayList<>(lbEndpoints.size());
            TreeMap<Integer, List<Endpoint>> levels = new TreeMap<>();
            Map<Integer, List<Endpoint>> weighted = localityWeighted ? new HashMap<>() : Map.of();
            for (LbEndpoint e : lbEndpoints) {
                Endpoint endpoint = sharedEndpoints.intern(new Endpoint(e.address(), e.port(), e.labels(), e.locality(),
                        e.weight(), "", e.serviceAccount()));
                endpoints.add(endpoint);
                levels.computeIfAbsent(e.priority(), p -> new ArrayList<>()).add(endpoint);
                if (localityWeighted && e.localityShare() > 0) {
                    weighted.computeIfAbsent(e.priority(), p -> new ArrayList<>()).add(endpoint);
                }
            }
            // Envoy's priorities: level 0 takes the traffic while healthy enough, spilling over to the next. Under
            // locality-weighted balancing, a level whose localities are only partly weighted prefers the weighted.
            boolean partlyWeighted = false;
            List<List<Endpoint>> preferred = null;
            if (!weighted.isEmpty()) {
                preferred = new ArrayList<>(levels.size());
                for (Map.Entry<Integer, List<Endpoint>> level : levels.entrySet()) {
                    List<Endpoint> w = weighted.get(level.getKey());
                    partlyWeighted |= w != null && w.size() < level.getValue().size();
                    preferred.add(w == null ? level.getValue() : w);
                }
            }
            List<WeightedLocalities> localities = weighted.isEmpty() || hashed(c.lbPolicy()) ? null
                    : weightedLocalities(lbEndpoints, endpoints, levels.keySet(), assignment);
            LocalityPriorities priorities = null;
            if (levels.size() > 1 || partlyWeighted || localities != null) {
                List<Integer> leftOut = new ArrayList<>(levels.size());
                levels.keySet().forEach(p -> leftOut.add(assignment.leftOutByPriority().getOrDefault(p, 0)));
                priorities = new LocalityPriorities(List.copyOf(levels.values()), Map.of(), preferred,
                        assignment.overprovisioningFactor() / 100.0, leftOut, localities);
            }
            if (entry == null) {
                entry = healthEntry(name, outlier, limits, endpoints);
            }
            ClientTlsPolicy tlsPolicy = ClientTlsPolicy.of(name, key, c.tls());
            put(name, new Cluster(name, key != null ? key.host() : name, key == null ? null : key.subset(),
                    key == null ? 0 : key.port(), List.copyOf(endpoints), policies.getOrDefault(name,
                    ClusterPolicy.NONE), LoadBalancers.create(c.lbPolicy(), endpoints, localityWeighted
                    ? localityWeights(lbEndpoints, endpoints) : null, tracker(name)), entry.outlier(), entry.pool(), passthrough, priorities, tlsPolicy,
                    tlsContext(tlsPolicy), passthrough ? null : sockets(c, key, lbEndpoints, endpoints)));
        }

        /**
         * The previous snapshot's compiled cluster {@code c} when it was compiled from the same model cluster, the
         * same load assignment and the same DestinationRule policy, with one TLS socket for all endpoints; else null.
         */
        private Cluster unchanged(io.proxyless.mesh.runtime.model.Cluster c,
                                  io.proxyless.mesh.runtime.model.ClusterLoadAssignment now) {
            if (previous == null || previous.model() == null) {
                return null;
            }
            // Both walks step on every cluster, so that they stay in step with this model's.
            io.proxyless.mesh.runtime.model.Cluster modelBefore = previousModelClusters.get(c.name());
            var assignment = previousAssignments.get(c.name());
            Cluster before = previousClusters.get(c.name());
            if (before == null || before.sockets() != null || !java.util.Objects.equals(c, modelBefore)
                    || !sameAssignment(now, assignment == null ? NO_ENDPOINTS : assignment)
                    || !java.util.Objects.equals(before.policy(), policies.getOrDefault(c.name(), ClusterPolicy.NONE))) {
                return null;
            }
            return before;
        }

        /**
         * Envoy's {@code transport_socket_matches}, decided per endpoint now: the first entry whose match the
         * endpoint's metadata holds, else the cluster's own socket. Null when the cluster has no entries.
         */
        private TransportSockets sockets(io.proxyless.mesh.runtime.model.Cluster c, ClusterKey key,
                                         List<LbEndpoint> lbEndpoints, List<Endpoint> endpoints) {
            if (c.transportSocketMatches().isEmpty()) {
                return null;
            }
            // One socket per entry (and one for the cluster's own), however many endpoints share it.
            Map<TransportSocketMatch, TransportSockets.Socket> byMatch = new IdentityHashMap<>();
            Map<Endpoint, TransportSockets.Socket> byEndpoint = new HashMap<>();
            for (int i = 0; i < lbEndpoints.size(); i++) {
                byEndpoint.put(endpoints.get(i), socket(c, key, lbEndpoints.get(i).transportSocketMatch(), byMatch));
            }
            return new TransportSockets(byEndpoint, socket(c, key, Map.of(), byMatch));
        }

        private TransportSockets.Socket socket(io.proxyless.mesh.runtime.model.Cluster c, ClusterKey key,
                                               Map<String, String> metadata,
                                               Map<TransportSocketMatch, TransportSockets.Socket> byMatch) {
            TransportSocketMatch chosen = c.transportSocketMatches().stream().filter(m -> m.matches(metadata))
                    .findFirst().orElse(OWN_SOCKET);
            return byMatch.computeIfAbsent(chosen, m -> {
                UpstreamTls upstream = m == OWN_SOCKET ? c.tls() : m.tls();
                ClientTlsPolicy policy = ClientTlsPolicy.of(c.name(), key, upstream);
                return new TransportSockets.Socket(m == OWN_SOCKET ? null : m.name(), policy, tlsContext(policy));
            });
        }

        /** Ring hash and Maglev: their rings keep locality weights as compiled (no locality pick per request). */
        private static boolean hashed(LbPolicy policy) {
            return policy.kind() == LbPolicy.Kind.RING_HASH || policy.kind() == LbPolicy.Kind.MAGLEV;
        }

        /**
         * Each priority's weighted localities with their shares, so that outlier ejections scale a locality by its
         * availability as Envoy does; null when no priority has two of them (nothing to choose between).
         */
        private static List<WeightedLocalities> weightedLocalities(List<LbEndpoint> lbEndpoints,
                                                                   List<Endpoint> endpoints,
                                                                   java.util.Set<Integer> priorities,
                                                                   io.proxyless.mesh.runtime.model
                                                                           .ClusterLoadAssignment assignment) {
            // priority → locality → its endpoints, in the assignment's order; the share is one per locality
            Map<Integer, Map<String, List<Endpoint>>> byPriority = new HashMap<>();
            Map<String, Double> shares = new HashMap<>();
            for (int i = 0; i < lbEndpoints.size(); i++) {
                LbEndpoint e = lbEndpoints.get(i);
                if (e.localityShare() > 0) {
                    byPriority.computeIfAbsent(e.priority(), p -> new LinkedHashMap<>())
                            .computeIfAbsent(e.locality(), l -> new ArrayList<>()).add(endpoints.get(i));
                    shares.put(e.priority() + "|" + e.locality(), e.localityShare());
                }
            }
            List<WeightedLocalities> out = new ArrayList<>(priorities.size());
            boolean any = false;
            for (int priority : priorities) {
                Map<String, List<Endpoint>> localities = byPriority.getOrDefault(priority, Map.of());
                if (localities.size() < 2) {
                    out.add(WeightedLocalities.NONE);
                    continue;
                }
                any = true;
                double[] share = new double[localities.size()];
                int[] leftOut = new int[localities.size()];
                int i = 0;
                for (String locality : localities.keySet()) {
                    share[i] = shares.get(priority + "|" + locality);
                    leftOut[i++] = assignment.leftOut(priority, locality);
                }
                out.add(new WeightedLocalities(List.copyOf(localities.values()), share,
                        assignment.overprovisioningFactor() / 100.0, leftOut));
            }
            return any ? out : null;
        }

        /**
         * Envoy's weighting of weighted localities: a locality is picked by its share, then an endpoint by weight
         * within it; one weight per endpoint with the same product ({@code share × weight / locality weight})
         * gives the same shares. A locality is one per priority: the same locality at two priorities is two
         * localities to Envoy. Null when no locality is weighted.
         */
        private static ToDoubleFunction<Endpoint> localityWeights(List<LbEndpoint> lbEndpoints,
                                                                 List<Endpoint> endpoints) {
            if (lbEndpoints.stream().noneMatch(e -> e.localityShare() > 0)) {
                return null;
            }
            Map<String, Long> localityWeight = new HashMap<>();
            for (LbEndpoint e : lbEndpoints) {
                localityWeight.merge(e.priority() + "|" + e.locality(), (long) e.weight(), Long::sum);
            }
            Map<Endpoint, Double> weights = new HashMap<>();
            for (int i = 0; i < lbEndpoints.size(); i++) {
                LbEndpoint e = lbEndpoints.get(i);
                if (e.localityShare() > 0) {
                    weights.put(endpoints.get(i), e.localityShare() * e.weight()
                            / localityWeight.get(e.priority() + "|" + e.locality()));
                }
            }
            return e -> weights.getOrDefault(e, (double) e.weight());
        }

        ClientTlsContext tlsContext(ClientTlsPolicy policy) {
            if (policy == null || !tls.canBuild(policy)) {
                return null;
            }
            try {
                return tls.context(policy);
            } catch (TlsConfigException e) {
                if (tlsFailure == null) {
                    tlsFailure = e;
                }
                return null;
            }
        }
    }
}
