package io.proxyless.mesh.runtime.routing;

import com.google.common.collect.Interner;
import com.google.common.collect.Interners;
import io.proxyless.mesh.api.ClientTLSSettings;
import io.proxyless.mesh.api.Destination;
import io.proxyless.mesh.api.DestinationRule;
import io.proxyless.mesh.api.HTTPMatchRequest;
import io.proxyless.mesh.api.HTTPMirrorPolicy;
import io.proxyless.mesh.api.HTTPRoute;
import io.proxyless.mesh.api.HTTPRouteDestination;
import io.proxyless.mesh.api.HostName;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.ServiceEntry;
import io.proxyless.mesh.api.VirtualService;
import io.proxyless.mesh.runtime.balancing.LocalityPriorities;
import io.proxyless.mesh.runtime.balancing.LocalityPrioritizer;
import io.proxyless.mesh.runtime.config.MeshConfig;
import io.proxyless.mesh.runtime.health.ClusterHealth;
import io.proxyless.mesh.runtime.health.HealthPlan;
import io.proxyless.mesh.runtime.model.ClusterLoadAssignment;
import io.proxyless.mesh.runtime.model.MeshModel;
import io.proxyless.mesh.runtime.model.RouteConfiguration;
import io.proxyless.mesh.runtime.model.VirtualHost;
import io.proxyless.mesh.runtime.policy.ClusterPolicy;
import io.proxyless.mesh.runtime.policy.DestinationRules;
import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.registry.MeshService;
import io.proxyless.mesh.runtime.registry.RegistryOptions;
import io.proxyless.mesh.runtime.registry.ServiceAlias;
import io.proxyless.mesh.runtime.registry.ServiceRegistry;
import io.proxyless.mesh.runtime.security.InboundMtls;
import io.proxyless.mesh.runtime.security.InboundPolicy;
import io.proxyless.mesh.runtime.security.MtlsMode;
import io.proxyless.mesh.runtime.time.MeshClock;
import io.proxyless.mesh.runtime.tls.ClientTlsContexts;
import io.proxyless.mesh.runtime.tls.ClientTlsPolicy;
import io.proxyless.mesh.runtime.tls.TlsConfigException;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Compiles a {@link MeshConfig} into a {@link CompiledMesh} for one client (namespace, labels). Everything that
 * can be decided before a request arrives is decided here: which VirtualService owns each host (Istio: the
 * oldest, not merged), which match blocks apply to this client ({@code sourceLabels}, {@code sourceNamespace},
 * {@code gateways}), delegate expansion, FQDNs of every destination, DestinationRule merges, clusters with their
 * TLS contexts, compiled header operations, rewrites and direct-response bodies.
 *
 * <p>Compiling has no side effects on state a published snapshot uses: outlier detectors and connection pools
 * that outlive snapshots are only looked up; the changes the new snapshot needs come back as a {@link HealthPlan}
 * that the caller carries out when it publishes the snapshot. A compilation that throws, or whose result is
 * dropped, leaves the snapshot in force exactly as it was.
 */
public final class MeshCompiler {
    /** The cluster used for hosts outside the registry under ALLOW_ANY. */
    public static final String PASSTHROUGH_CLUSTER = "PassthroughCluster";
    private static final String MESH_GATEWAY = "mesh";

    private final String namespace;
    private final Map<String, String> labels;
    private final String domainSuffix;
    private final String locality;
    private final ClusterHealth health;
    private final MeshClock clock;
    private final ClientTlsContexts tls;
    private final boolean autoMtls;
    private final ModelCompiler modelCompiler;
    // Host names written short in config (a VirtualService's "reviews", its destinations, a DestinationRule's host)
    // are qualified again for every place they are written, and every host has its short-name aliases: one string
    // per distinct name for the whole snapshot (and the next ones), rather than one per place. The registry's
    // hosts, aliases and defining resources go through it too, so its lookup tables and the route model share them.
    private final Interner<String> names = Interners.newWeakInterner();
    // The route model's values (routes, matches, retry policies), one object per distinct value (RouteModelAssembly).
    private final Interner<Object> modelValues = Interners.newWeakInterner();
    // The decisions of the last compilation of Istio config: when the next config only moves endpoints, they stand
    // and only the moved services' clusters are compiled again (EndpointMoves).
    private volatile EndpointMoves lastDecisions;

    /**
     * @param namespace    the client's namespace (short names resolve in it)
     * @param labels       the client's workload labels ({@code sourceLabels} matches, Sidecar selection)
     * @param domainSuffix cluster domain, e.g. {@code cluster.local}
     * @param locality     the client's {@code region/zone/subzone}, or empty
     * @param health       outlier detection and connection-pool state, kept across compilations (only read here)
     * @param clock        the mesh clock (slow start, outlier detection)
     * @param tls          the mesh's TLS contexts: every TLS cluster's context is built through it
     */
    public MeshCompiler(String namespace, Map<String, String> labels, String domainSuffix, String locality,
                        ClusterHealth health, MeshClock clock, ClientTlsContexts tls) {
        this(namespace, labels, domainSuffix, locality, health, clock, tls, false);
    }

    /**
     * Like {@link #MeshCompiler(String, Map, String, String, ClusterHealth, MeshClock, ClientTlsContexts)}, with
     * Istio's auto mTLS ({@code autoMtls}: MeshConfig {@code enableAutoMtls}) on or off for Istio config.
     */
    public MeshCompiler(String namespace, Map<String, String> labels, String domainSuffix, String locality,
                        ClusterHealth health, MeshClock clock, ClientTlsContexts tls, boolean autoMtls) {
        this.autoMtls = autoMtls;
        this.namespace = namespace;
        this.labels = Map.copyOf(labels);
        this.domainSuffix = domainSuffix;
        this.locality = locality == null ? "" : locality;
        this.health = health;
        this.clock = clock;
        this.tls = tls;
        this.modelCompiler = new ModelCompiler(new RegistryOptions(namespace, this.labels, domainSuffix), health,
                clock, tls);
    }

    /**
     * Compiles {@code config} (Istio resources, or a route model a source published: {@link ModelCompiler});
     * {@code previous} (the snapshot in force, or null) lends the per-endpoint state that
     * carries over. Nothing shared is changed: carry out {@link Compilation#plan()} when publishing.
     *
     * @throws TlsConfigException when a TLS cluster's certificates cannot be loaded (missing or invalid files)
     */
    public Compilation compile(MeshConfig config, CompiledMesh previous) throws TlsConfigException {
        if (config.model().isPresent()) {
            // The source made the decisions already (xDS): its route model is compiled as it is.
            return modelCompiler.compile(config, previous);
        }
        List<String> warnings = new ArrayList<>();
        EndpointMoves decided = lastDecisions;
        // The config the snapshot in force was compiled from, when this compiler's decisions for it are at hand.
        MeshConfig before = decided == null ? null : decided.configOf(previous);
        // When only VirtualServices and DestinationRules changed, the hosts they touch are decided again and
        // everything else (the registry included: nothing it reads changed) is taken from the snapshot in force.
        RouteChanges changes = before == null ? null : RouteChanges.between(before, config);
        Compilation patched = changes == null ? null : routesChanged(decided, before, config, changes, previous);
        if (patched != null) {
            return patched;
        }
        // The registry in force, with only moved endpoints written again, when that is all that changed.
        ServiceRegistry registry = before == null ? null
                : ServiceRegistry.withMovedEndpoints(previous.registry(), before, config, modelCompiler::shared);
        if (registry == null) {
            registry = ServiceRegistry.build(config, new RegistryOptions(namespace, labels, domainSuffix),
                    modelCompiler::shared, names::intern);
        }
        if (before != null && EndpointMoves.onlyEndpointsMoved(before, previous.registry(), config, registry)) {
            return endpointsMoved(decided, config, registry, previous);
        }
        warnings.addAll(registry.warnings());
        Build build = new Build(config, registry, warnings);

        // 1. Services: every visible service gets a host entry with default clusters (no VirtualService yet).
        Map<String, IstioHost> entries = new LinkedHashMap<>();
        for (MeshService service : registry.services()) {
            entries.put(service.host(), new IstioHost(service.host(), service, null, List.of(),
                    build.defaultClusters(service)));
        }
        // 2. VirtualServices: the first (oldest) visible one for a host owns it; later ones are ignored.
        Map<String, String> owner = new HashMap<>();
        // The owners by their position in the config, kept for a change of one of them (RouteChanges).
        Map<String, Integer> owners = new HashMap<>();
        Map<Resource<?>, Integer> positions = new IdentityHashMap<>();
        for (int i = 0; i < config.resources().size(); i++) {
            if (config.resources().get(i).kind() == ResourceKind.VIRTUAL_SERVICE) {
                positions.put(config.resources().get(i), i);
            }
        }
        for (Resource<VirtualService> vs : orderedVirtualServices(config, registry)) {
            if (vs.spec().hosts().isEmpty()) {
                continue; // a delegate: only reachable through its parent
            }
            if (!vs.spec().gateways().isEmpty() && !vs.spec().gateways().contains(MESH_GATEWAY)) {
                continue; // bound to gateways only, not to sidecars (and so not to this client)
            }
            List<IstioRoute> routes = null;
            for (String rawHost : vs.spec().hosts()) {
                String host = qualify(rawHost, vs.namespace());
                if (!registry.visible(vs.namespace(), vs.spec().exportTo(), host)) {
                    continue;
                }
                Optional<ServiceAlias> alias = registry.alias(host);
                if (alias.isPresent()) {
                    // Istio 1.21+: the alias is a domain of the named service's virtual host, whose routes it takes.
                    warnings.add("VirtualService " + vs.metadata().key() + ": host " + host + " is the ExternalName"
                            + " Service " + alias.get().key() + ", an alias of " + alias.get().target() + "; Istio"
                            + " routes requests to it by the VirtualService of " + alias.get().target()
                            + ", so this one is ignored for that host (write it for " + alias.get().target() + ")");
                    continue;
                }
                String owningVs = owner.putIfAbsent(host, vs.metadata().key());
                if (owningVs != null) {
                    warnings.add("VirtualService " + vs.metadata().key() + ": host " + host + " is already routed by "
                            + "VirtualService " + owningVs + "; Istio does not merge them for sidecars and uses the "
                            + "oldest, so this one is ignored for that host");
                    continue;
                }
                owners.put(host, positions.get(vs));
                if (routes == null) {
                    routes = build.routes(vs);
                }
                MeshService service = registry.lookup(host).orElse(null);
                Map<Integer, IstioCluster> defaults = service == null ? Map.of() : build.defaultClusters(service);
                entries.put(host, new IstioHost(host, service, names.intern(vs.metadata().key()), routes, defaults));
            }
        }
        if (build.tlsFailure != null) {
            throw build.tlsFailure;
        }
        for (Resource<DestinationRule> dr : config.<DestinationRule>resources(ResourceKind.DESTINATION_RULE)) {
            Optional<ServiceAlias> alias = dr.spec().host() == null ? Optional.empty()
                    : registry.alias(qualify(dr.spec().host(), dr.namespace()));
            alias.ifPresent(a -> warnings.add("DestinationRule " + dr.metadata().key() + ": host " + a.host()
                    + " is the ExternalName Service " + a.key() + ", an alias of " + a.target() + "; Istio applies"
                    + " no DestinationRule to an alias, so this one has no effect (write it for " + a.target()
                    + ")"));
        }
        // 3. The decisions written as the route model (what istiod sends a sidecar), compiled as any route model
        //    is: short names are domains of their virtual hosts, so requests never build strings to find a host.
        ServiceRegistry compiled = registry;
        RouteModelAssembly.Assembly assembly = RouteModelAssembly.assemble(entries.values(), build.clusters,
                registry.outboundTrafficPolicy(), h -> aliases(compiled, h), modelValues);
        Map<String, ClusterPolicy> policies = new HashMap<>();
        build.clusters.forEach((key, c) -> policies.put(key, c.policy()));
        List<String> decisions = List.copyOf(warnings.subList(registry.warnings().size(), warnings.size()));
        // 4. The inbound side of this workload: PeerAuthentication and AuthorizationPolicy, compiled once here too.
        InboundPolicy inbound = InboundPolicy.compile(config, namespace, labels);
        warnings.addAll(inbound.warnings());
        Compilation compilation = modelCompiler.compile(assembly.model(), config, registry, warnings,
                assembly.missingClusters(), policies, inbound, previous);
        Map<String, EndpointMoves.Decided> clusters = new LinkedHashMap<>();
        build.clusters.forEach((key, c) -> clusters.put(key, EndpointMoves.Decided.of(c,
                assembly.leftOut().get(key))));
        lastDecisions = new EndpointMoves(new WeakReference<>(compilation.snapshot()), new WeakReference<>(config),
                decisions, assembly.routeWarnings(), clusters, assembly.missingClusters(), build.drIndex(),
                Map.copyOf(owners), dependents(entries.values()));
        return compilation;
    }

    /** The hosts whose routes send or mirror to each host, by that host (a host's own routes left out). */
    private static Map<String, Set<String>> dependents(Iterable<IstioHost> entries) {
        Map<String, Set<String>> out = new HashMap<>();
        for (IstioHost e : entries) {
            for (IstioRoute r : e.routes()) {
                for (IstioRoute.Target t : r.destinations()) {
                    if (!t.host().equals(e.host())) {
                        out.computeIfAbsent(t.host(), h -> new java.util.LinkedHashSet<>()).add(e.host());
                    }
                }
                for (IstioRoute.MirrorTarget m : r.mirrors()) {
                    if (!m.target().host().equals(e.host())) {
                        out.computeIfAbsent(m.target().host(), h -> new java.util.LinkedHashSet<>()).add(e.host());
                    }
                }
            }
        }
        Map<String, Set<String>> frozen = new HashMap<>();
        out.forEach((host, hosts) -> frozen.put(host, Set.copyOf(hosts)));
        return Map.copyOf(frozen);
    }

    /**
     * The compilation of {@code config}, whose endpoints alone moved since {@code previous} was compiled with
     * {@code decided} ({@link EndpointMoves#onlyEndpointsMoved}): the clusters of services whose endpoints moved are
     * compiled again, everything else is taken from {@code previous} — its route configurations, its other
     * clusters, its decisions and their warnings.
     */
    private Compilation endpointsMoved(EndpointMoves decided, MeshConfig config, ServiceRegistry registry,
                                       CompiledMesh previous) throws TlsConfigException {
        ServiceRegistry before = previous.registry();
        MeshModel model = previous.model();
        // The decisions' warnings (DestinationRule merges among them) were reported by the compilation patched here.
        Build build = new Build(config, registry, new ArrayList<>());
        build.drIndex = decided.destinationRules(); // the same DestinationRules: no need to qualify each again
        List<io.proxyless.mesh.runtime.model.Cluster> modelClusters = new ArrayList<>(model.clusters().size());
        List<ClusterLoadAssignment> assignments = new ArrayList<>(model.clusters().size());
        Map<String, EndpointMoves.Decided> clusters = new LinkedHashMap<>();
        List<String> leftOut = new ArrayList<>();
        // The services whose endpoints moved, by host (the registries list the same services in the same order).
        Map<String, MeshService> moved = new HashMap<>();
        for (int i = 0; i < registry.services().size(); i++) {
            MeshService service = registry.services().get(i);
            MeshService was = before.services().get(i);
            if (service != was && !service.endpointTable().equals(was.endpointTable())) {
                moved.put(service.host(), service);
            }
        }
        for (Map.Entry<String, EndpointMoves.Decided> e : decided.clusters().entrySet()) {
            String key = e.getKey();
            EndpointMoves.Decided d = e.getValue();
            MeshService service = moved.get(d.host());
            if (service == null) {
                if (d.leftOut() == null) {
                    modelClusters.add(model.clusters().get(key));
                    assignments.add(model.loadAssignments().get(key));
                } else {
                    leftOut.add(d.leftOut());
                }
                clusters.put(key, d);
                continue;
            }
            IstioCluster c = build.cluster(service, d.subset(), d.port());
            String warning = RouteModelAssembly.cluster(c, modelClusters, assignments);
            if (warning != null) {
                leftOut.add(warning);
            }
            clusters.put(key, EndpointMoves.Decided.of(c, warning));
        }
        if (build.tlsFailure != null) {
            throw build.tlsFailure;
        }
        List<String> modelWarnings = new ArrayList<>(decided.routeWarnings());
        modelWarnings.addAll(leftOut);
        MeshModel next = MeshModel.of(List.copyOf(model.routeConfigurations().values()), modelClusters, assignments,
                model.outboundPolicy(), modelWarnings);
        return compileKeeping(decided, next, config, registry, previous, clusters, decided.destinationRules());
    }

    /**
     * The end of both fast paths: compiles {@code next} with the registry's, the decisions' and the inbound policy's
     * warnings (as a full compilation reports them), and keeps the decisions, now for {@code clusters} and
     * {@code rules}, for the next change.
     */
    private Compilation compileKeeping(EndpointMoves decided, MeshModel next, MeshConfig config,
                                       ServiceRegistry registry, CompiledMesh previous,
                                       Map<String, EndpointMoves.Decided> clusters, DrIndex rules)
            throws TlsConfigException {
        Map<String, ClusterPolicy> policies = policies(clusters);
        List<String> warnings = new ArrayList<>(registry.warnings());
        warnings.addAll(decided.decisions());
        InboundPolicy inbound = previous.inbound();
        warnings.addAll(inbound.warnings());
        Compilation compilation = modelCompiler.compile(next, config, registry, warnings, decided.missing(), policies,
                inbound, previous);
        lastDecisions = new EndpointMoves(new WeakReference<>(compilation.snapshot()), new WeakReference<>(config),
                decided.decisions(), decided.routeWarnings(), clusters, decided.missing(), rules, decided.owners(),
                decided.dependents());
        return compilation;
    }

    /**
     * The compilation of {@code config}, which differs from {@code before} (what {@code previous} was compiled from
     * with {@code decided}) only in the VirtualServices and DestinationRules at {@code changes}: the hosts a changed
     * VirtualService owns, a changed DestinationRule's host and the hosts routing to it are decided again, and their
     * virtual hosts and the rule's clusters replace those of the previous route model; everything else is taken as
     * it is. The same hosts are decided again from {@code before} too, and anything that does not come out as the
     * previous model had it, or that a full compilation would decide differently elsewhere (other clusters asked
     * for, other destinations, findings), returns null: the caller compiles in full.
     */
    private Compilation routesChanged(EndpointMoves decided, MeshConfig before, MeshConfig config,
                                      RouteChanges changes, CompiledMesh previous) throws TlsConfigException {
        ServiceRegistry registry = previous.registry();
        Set<String> hosts = new java.util.LinkedHashSet<>();
        Set<String> ruleHosts = new java.util.LinkedHashSet<>();
        DrIndex rulesBefore = decided.destinationRules();
        Map<String, List<Resource<DestinationRule>>> exact = null;
        for (int position : changes.positions()) {
            Resource<?> r = config.resources().get(position);
            if (r.kind() == ResourceKind.VIRTUAL_SERVICE) {
                for (String raw : ((VirtualService) r.spec()).hosts()) {
                    String host = qualify(raw, r.namespace());
                    Integer owner = decided.owners().get(host);
                    if (owner != null && owner == position) {
                        hosts.add(host);
                    }
                }
                continue;
            }
            @SuppressWarnings("unchecked")
            Resource<DestinationRule> rule = (Resource<DestinationRule>) r;
            String host = qualify(rule.spec().host(), rule.namespace());
            ruleHosts.add(host);
            hosts.add(host);
            hosts.addAll(decided.dependents().getOrDefault(host, Set.of()));
            // The index with the rule in its place (it keeps its host, so it stays under the same key).
            if (exact == null) {
                exact = new HashMap<>(rulesBefore.exact());
            }
            List<Resource<DestinationRule>> rules = new ArrayList<>(exact.getOrDefault(host, List.of()));
            int at = -1;
            for (int i = 0; i < rules.size() && at < 0; i++) {
                at = rules.get(i).metadata().equals(rule.metadata()) ? i : -1;
            }
            if (at < 0) {
                return null;
            }
            rules.set(at, rule);
            exact.put(host, List.copyOf(rules));
        }
        DrIndex rules = exact == null ? rulesBefore : new DrIndex(exact, rulesBefore.wildcards());
        Redecided was = redecide(before, registry, rulesBefore, decided, hosts, ruleHosts);
        Redecided now = redecide(config, registry, rules, decided, hosts, ruleHosts);
        if (was == null || now == null || !was.requested().equals(now.requested())
                || !was.targets().equals(now.targets())
                || !was.assembly().missingClusters().equals(now.assembly().missingClusters())) {
            return null;
        }
        MeshModel model = previous.model();
        // The virtual hosts decided again, in the route configurations where they are.
        Map<Integer, RouteConfiguration> configs = new LinkedHashMap<>();
        for (RouteConfiguration rc : model.routeConfigurations().values()) {
            RouteConfiguration fresh = now.assembly().model().routeConfigurations().get(rc.port());
            RouteConfiguration freshBefore = was.assembly().model().routeConfigurations().get(rc.port());
            if (fresh == null || freshBefore == null) {
                if (fresh != freshBefore) {
                    return null;
                }
                configs.put(rc.port(), rc);
                continue;
            }
            Map<String, VirtualHost> next = byName(fresh);
            Map<String, VirtualHost> redecided = byName(freshBefore);
            List<VirtualHost> vhs = rc.virtualHosts();
            Map<Integer, VirtualHost> changed = new HashMap<>();
            for (int i = 0; i < vhs.size(); i++) {
                VirtualHost vh = vhs.get(i);
                VirtualHost n = next.get(vh.name());
                if (n == null) {
                    continue;
                }
                VirtualHost b = redecided.get(vh.name());
                // Decided again from the config before, the host must come out as the model in force has it.
                if (b == null || !b.routes().equals(vh.routes()) || !Objects.equals(b.origin(), vh.origin())
                        || !Objects.equals(n.origin(), vh.origin())) {
                    return null;
                }
                if (!n.routes().equals(vh.routes())) {
                    changed.put(i, VirtualHost.of(vh.name(), vh.domains(), n.routes(), vh.origin()));
                }
            }
            configs.put(rc.port(), changed.isEmpty() ? rc : rc.withVirtualHosts(changed));
        }
        if (!model.routeConfigurations().keySet().containsAll(now.assembly().model().routeConfigurations().keySet())) {
            return null; // a route configuration the model in force lacks
        }
        // The DestinationRules' clusters, compiled again in their places.
        Map<String, EndpointMoves.Decided> clusters = decided.clusters();
        Map<String, io.proxyless.mesh.runtime.model.Cluster> modelClusters = model.clusters();
        Map<String, ClusterLoadAssignment> assignments = model.loadAssignments();
        if (!ruleHosts.isEmpty()) {
            clusters = new LinkedHashMap<>(clusters);
            Map<String, io.proxyless.mesh.runtime.model.Cluster> cs = new LinkedHashMap<>(modelClusters);
            Map<String, ClusterLoadAssignment> as = new LinkedHashMap<>(assignments);
            for (Map.Entry<String, EndpointMoves.Decided> e : decided.clusters().entrySet()) {
                if (!ruleHosts.contains(e.getValue().host())) {
                    continue;
                }
                IstioCluster c = now.build().clusters.get(e.getKey());
                List<io.proxyless.mesh.runtime.model.Cluster> one = new ArrayList<>(1);
                List<ClusterLoadAssignment> oneAssignment = new ArrayList<>(1);
                if (c == null || e.getValue().leftOut() != null
                        || RouteModelAssembly.cluster(c, one, oneAssignment) != null) {
                    return null;
                }
                cs.put(e.getKey(), one.get(0));
                as.put(e.getKey(), oneAssignment.get(0));
                clusters.put(e.getKey(), EndpointMoves.Decided.of(c, null));
            }
            modelClusters = cs;
            assignments = as;
        }
        MeshModel next = new MeshModel(configs, modelClusters, assignments, model.outboundPolicy(), model.warnings());
        return compileKeeping(decided, next, config, registry, previous, clusters, rules);
    }

    /**
     * The merged DestinationRule policy of each decided cluster, by cluster name: read through the decisions
     * rather than copied into a map of its own, which cost a map of every cluster on each one-service change.
     */
    private static Map<String, ClusterPolicy> policies(Map<String, EndpointMoves.Decided> clusters) {
        return new java.util.AbstractMap<>() {
            @Override
            public ClusterPolicy get(Object key) {
                EndpointMoves.Decided d = clusters.get(key);
                return d == null ? null : d.policy();
            }

            @Override
            public ClusterPolicy getOrDefault(Object key, ClusterPolicy otherwise) {
                EndpointMoves.Decided d = clusters.get(key);
                return d == null ? otherwise : d.policy();
            }

            @Override
            public boolean containsKey(Object key) {
                return clusters.containsKey(key);
            }

            @Override
            public int size() {
                return clusters.size();
            }

            @Override
            public Set<Entry<String, ClusterPolicy>> entrySet() {
                Map<String, ClusterPolicy> copy = new LinkedHashMap<>();
                clusters.forEach((key, d) -> copy.put(key, d.policy()));
                return java.util.Collections.unmodifiableMap(copy).entrySet();
            }
        };
    }

    private static Map<String, VirtualHost> byName(RouteConfiguration rc) {
        Map<String, VirtualHost> out = new HashMap<>();
        rc.virtualHosts().forEach(vh -> out.put(vh.name(), vh));
        return out;
    }

    /**
     * {@code hosts} decided again from {@code config}: their entries (owner, routes, default clusters) and the
     * clusters of {@code ruleHosts} the decisions asked for, written as a route model of their own. Null when the
     * decisions found anything to warn about (the full compilation reports it in its place).
     */
    private Redecided redecide(MeshConfig config, ServiceRegistry registry, DrIndex rules, EndpointMoves decided,
                               Set<String> hosts, Set<String> ruleHosts) {
        Build build = new Build(config, registry, new ArrayList<>());
        build.drIndex = rules;
        build.requested = new ArrayList<>();
        List<IstioHost> entries = new ArrayList<>();
        Map<Integer, List<IstioRoute>> routesByOwner = new HashMap<>();
        List<String> targets = new ArrayList<>();
        for (String host : hosts) {
            MeshService service = registry.lookup(host).orElse(null);
            Integer owner = decided.owners().get(host);
            if (owner == null) {
                if (service != null && service.host().equals(host)) {
                    entries.add(new IstioHost(host, service, null, List.of(), build.defaultClusters(service)));
                }
                continue;
            }
            @SuppressWarnings("unchecked")
            Resource<VirtualService> vs = (Resource<VirtualService>) config.resources().get(owner);
            List<IstioRoute> routes = routesByOwner.get(owner);
            if (routes == null) {
                routes = build.routes(vs);
                routesByOwner.put(owner, routes);
                for (IstioRoute r : routes) {
                    r.destinations().forEach(t -> targets.add(t.host()));
                    r.mirrors().forEach(m -> targets.add(m.target().host()));
                }
            }
            entries.add(new IstioHost(host, service, names.intern(vs.metadata().key()), routes,
                    service == null ? Map.of() : build.defaultClusters(service)));
        }
        if (!ruleHosts.isEmpty()) {
            for (Map.Entry<String, EndpointMoves.Decided> e : decided.clusters().entrySet()) {
                EndpointMoves.Decided d = e.getValue();
                if (!ruleHosts.contains(d.host()) || build.clusters.containsKey(e.getKey())) {
                    continue;
                }
                MeshService service = registry.lookup(d.host()).orElse(null);
                if (service == null || !service.host().equals(d.host())) {
                    return null;
                }
                build.cluster(service, d.subset(), d.port());
            }
        }
        if (!build.warnings.isEmpty() || build.tlsFailure != null) {
            return null;
        }
        RouteModelAssembly.Assembly assembly = RouteModelAssembly.assemble(entries, Map.of(),
                registry.outboundTrafficPolicy(), h -> aliases(registry, h), modelValues);
        if (!assembly.model().warnings().isEmpty()) {
            return null;
        }
        return new Redecided(build, assembly, build.requested, targets);
    }

    /**
     * Hosts decided again: the build (its clusters), the route model written for them alone, every cluster the
     * decisions asked for in order, and the hosts their routes send and mirror to in order.
     */
    private record Redecided(Build build, RouteModelAssembly.Assembly assembly, List<String> requested,
                             List<String> targets) {
    }

    private List<Resource<VirtualService>> orderedVirtualServices(MeshConfig config, ServiceRegistry registry) {
        // Istio looks at the client's own namespace-private VirtualServices first, then at public ones; within
        // each group the oldest (here: load order) wins.
        List<Resource<VirtualService>> all = config.resources(ResourceKind.VIRTUAL_SERVICE);
        List<Resource<VirtualService>> privateOnes = new ArrayList<>();
        List<Resource<VirtualService>> publicOnes = new ArrayList<>();
        for (Resource<VirtualService> vs : all) {
            boolean mine = vs.namespace().equals(namespace) && isPrivate(vs.spec().exportTo(), vs.namespace());
            (mine ? privateOnes : publicOnes).add(vs);
        }
        privateOnes.addAll(publicOnes);
        return privateOnes;
    }

    private static boolean isPrivate(List<String> exportTo, String ns) {
        return !exportTo.isEmpty() && exportTo.stream().allMatch(e -> e.equals(".") || e.equals(ns));
    }

    /**
     * The other names a client of this compiler's namespace may call {@code host} by: its short forms
     * ({@link HostName#aliases}), then each {@code ExternalName} alias of it with the alias's short forms, as
     * Istio 1.21+ adds them to the named service's virtual host ({@link ServiceRegistry#externalNameAliases}).
     */
    private List<String> aliases(ServiceRegistry registry, String host) {
        List<String> externalNames = registry.externalNameAliases(host);
        List<String> shortForms = HostName.of(host).aliases(namespace, domainSuffix).stream()
                .map(h -> names.intern(h.toString())).toList();
        if (externalNames.isEmpty()) {
            return shortForms;
        }
        List<String> out = new ArrayList<>(shortForms);
        for (String alias : externalNames) {
            out.add(alias);
            HostName.of(alias).aliases(namespace, domainSuffix).forEach(h -> out.add(names.intern(h.toString())));
        }
        return List.copyOf(out);
    }

    String qualify(String host, String resourceNamespace) {
        // Validation rejects an empty host; a resource that skipped it keeps its (unmatchable) empty name.
        return host.isEmpty() ? host
                : names.intern(HostName.qualified(host, resourceNamespace, domainSuffix).toString());
    }

    /** DestinationRules by qualified host, exact hosts and wildcards apart, in load order. */
    record DrIndex(Map<String, List<Resource<DestinationRule>>> exact,
                           List<Map.Entry<String, Resource<DestinationRule>>> wildcards) {
    }

    /** The state of one compilation. */
    private final class Build {
        final MeshConfig config;
        final ServiceRegistry registry;
        final List<String> warnings;
        final Map<String, IstioCluster> clusters = new LinkedHashMap<>();
        final Map<String, DestinationRules> rulesByHost = new HashMap<>();
        TlsConfigException tlsFailure;
        DrIndex drIndex;
        // When set, every cluster asked for, in order (hosts decided again are compared by it).
        List<String> requested;

        Build(MeshConfig config, ServiceRegistry registry, List<String> warnings) {
            this.config = config;
            this.registry = registry;
            this.warnings = warnings;
        }

        Map<Integer, IstioCluster> defaultClusters(MeshService service) {
            Map<Integer, IstioCluster> out = new LinkedHashMap<>();
            for (var port : service.ports()) {
                out.put(port.number(), cluster(service, null, port.number()));
            }
            return Map.copyOf(out);
        }

        DestinationRules rules(String host) {
            return rulesByHost.computeIfAbsent(host, h -> {
                List<Resource<DestinationRule>> matching = new ArrayList<>();
                for (Resource<DestinationRule> dr : drIndex().exact.getOrDefault(h, List.of())) {
                    if (registry.visible(dr.namespace(), dr.spec().exportTo(), h)) {
                        matching.add(dr);
                    }
                }
                List<Resource<DestinationRule>> wildcard = new ArrayList<>();
                if (matching.isEmpty()) {
                    for (Map.Entry<String, Resource<DestinationRule>> w : drIndex().wildcards) {
                        Resource<DestinationRule> dr = w.getValue();
                        if (h.endsWith(w.getKey()) && registry.visible(dr.namespace(), dr.spec().exportTo(), h)) {
                            wildcard.add(dr);
                        }
                    }
                }
                // Exact host rules take precedence; the client's own namespace first (Istio's lookup order).
                Comparator<Resource<DestinationRule>> ownNamespaceFirst =
                        Comparator.comparingInt(r -> r.namespace().equals(namespace) ? 0 : 1);
                matching.sort(ownNamespaceFirst);
                if (matching.isEmpty()) {
                    wildcard.sort(Comparator.comparingInt((Resource<DestinationRule> r) ->
                            -r.spec().host().length()).thenComparing(ownNamespaceFirst));
                    matching = wildcard.isEmpty() ? List.of() : List.of(wildcard.get(0));
                }
                return DestinationRules.merge(matching, warnings);
            });
        }

        /** DestinationRules by qualified host (load order), built once: one lookup per host, not a scan. */
        DrIndex drIndex() {
            if (drIndex == null) {
                Map<String, List<Resource<DestinationRule>>> exact = new HashMap<>();
                List<Map.Entry<String, Resource<DestinationRule>>> wildcards = new ArrayList<>();
                for (Resource<DestinationRule> dr : config.<DestinationRule>resources(ResourceKind.DESTINATION_RULE)) {
                    if (dr.spec().host() == null) {
                        continue;
                    }
                    String drHost = qualify(dr.spec().host(), dr.namespace());
                    if (drHost.startsWith("*")) {
                        wildcards.add(Map.entry(drHost.substring(1), dr));
                    } else {
                        exact.computeIfAbsent(drHost, k -> new ArrayList<>()).add(dr);
                    }
                }
                drIndex = new DrIndex(exact, wildcards);
            }
            return drIndex;
        }

        IstioCluster cluster(MeshService service, String subset, int port) {
            String key = Cluster.key(port, subset, service.host());
            if (requested != null) {
                requested.add(key);
            }
            IstioCluster existing = clusters.get(key);
            if (existing != null) {
                return existing;
            }
            DestinationRules rules = rules(service.host());
            ClusterPolicy policy = rules.policy(subset, port);
            List<Endpoint> endpoints = subset == null ? service.endpoints(port)
                    : service.endpoints(port, rules.subset(subset).map(s -> s.labels()).orElse(Map.of()));
            LocalityPriorities priorities = LocalityPrioritizer.prioritize(locality, labels,
                    policy.loadBalancer() == null ? null : policy.loadBalancer().localityLbSetting(),
                    policy.outlierDetection() != null, endpoints);
            ClientTlsPolicy autoMtls = autoMtls(key, service, subset, port, policy);
            IstioCluster cluster = new IstioCluster(key, service.host(), subset, port, endpoints, policy, priorities,
                    service.isPassthrough(), tlsPolicy(key, service, subset, port, policy.tls()), autoMtls,
                    autoMtls == null ? Set.of() : mtlsDisabled(service, endpoints));
            clusters.put(key, cluster);
            return cluster;
        }

        /**
         * Istio's auto mTLS ({@code enableAutoMtls}, istiod's {@code buildAutoMtlsSettings}): without a
         * DestinationRule {@code tls}, a mesh service's endpoints that run Istio's mTLS get ISTIO_MUTUAL with the
         * service's identities. Null when off, when the DestinationRule says {@code tls} (it wins, DISABLE
         * included), for {@code MESH_EXTERNAL} services and for passthrough.
         */
        private ClientTlsPolicy autoMtls(String key, MeshService service, String subset, int port,
                                         ClusterPolicy policy) {
            if (!autoMtls || policy.tls() != null || service.isPassthrough()
                    || service.location() != ServiceEntry.Location.MESH_INTERNAL) {
                return null;
            }
            return tlsPolicy(key, service, subset, port,
                    ClientTLSSettings.mode(ClientTLSSettings.TLSmode.ISTIO_MUTUAL));
        }

        /**
         * The endpoints whose own PeerAuthentication is DISABLE on the port they listen on: a server there takes
         * plain text only, so auto mTLS must not send it TLS. istiod turns auto mTLS off for the whole service when
         * the namespace or mesh-wide policy of the service's namespace is DISABLE; the compiler knows each
         * endpoint's labels and port, so it applies workload selectors and {@code portLevelMtls} too.
         */
        private Set<Endpoint> mtlsDisabled(MeshService service, List<Endpoint> endpoints) {
            if (config.resources(ResourceKind.PEER_AUTHENTICATION).isEmpty()) {
                return Set.of();
            }
            Map<Map<String, String>, InboundMtls> byLabels = new HashMap<>();
            Set<Endpoint> disabled = new HashSet<>();
            for (Endpoint e : endpoints) {
                InboundMtls mtls = byLabels.computeIfAbsent(e.labels(),
                        l -> InboundMtls.compile(config, service.namespace(), l));
                if (mtls.mode(e.port()) == MtlsMode.DISABLE) {
                    disabled.add(e);
                }
            }
            return disabled;
        }

        private ClientTlsPolicy tlsPolicy(String key, MeshService service, String subset, int port,
                                          ClientTLSSettings settings) {
            try {
                // The ISTIO_MUTUAL certificate directory is the client's, not the config's: left out here.
                return ClientTlsPolicy.resolve(key, service.host(), subset, port, settings, service, null,
                        tls.trustDomain());
            } catch (TlsConfigException e) {
                if (tlsFailure == null) {
                    tlsFailure = e;
                }
                return null;
            }
        }

        List<IstioRoute> routes(Resource<VirtualService> vs) {
            List<HTTPRoute> http = expandDelegates(vs);
            List<IstioRoute> routes = new ArrayList<>();
            boolean catchAllSeen = false;
            for (int i = 0; i < http.size(); i++) {
                HTTPRoute route = http.get(i);
                List<HTTPMatchRequest> blocks = new ArrayList<>();
                boolean anyBlockApplies = route.match().isEmpty();
                boolean catchAll = route.match().isEmpty();
                for (HTTPMatchRequest m : route.match()) {
                    if (appliesToClient(m)) {
                        blocks.add(m);
                        anyBlockApplies = true;
                        catchAll |= m.port() == null && ModelRouteMatcher.of(ModelTranslation.match(m)).isCatchAll();
                    }
                }
                if (!anyBlockApplies) {
                    continue; // every block is for other clients or gateways: the route does not exist here
                }
                if (catchAllSeen && !reportedByValidation(vs, "spec.http[" + i + "]")) {
                    warnings.add("VirtualService " + vs.metadata().key() + ": http[" + i + "] is unreachable: an "
                            + "earlier route matches every request");
                }
                catchAllSeen |= catchAll;
                routes.add(resolve(vs, i, route, blocks));
            }
            return List.copyOf(routes);
        }

        /**
         * True when the config's own checks already flagged {@code path} of {@code vs} (they do for files), so
         * that the same finding is not reported twice, once with its line and once without.
         */
        private boolean reportedByValidation(Resource<VirtualService> vs, String path) {
            return config.warnings().stream().anyMatch(p -> "VirtualService".equals(p.kind())
                    && vs.metadata().name().equals(p.name()) && vs.metadata().namespace().equals(p.namespace())
                    && path.equals(p.path()));
        }

        private boolean appliesToClient(HTTPMatchRequest m) {
            if (!m.gateways().isEmpty() && !m.gateways().contains(MESH_GATEWAY)) {
                return false;
            }
            if (m.sourceNamespace() != null && !m.sourceNamespace().equals(namespace)) {
                return false;
            }
            for (Map.Entry<String, String> e : m.sourceLabels().entrySet()) {
                if (!e.getValue().equals(labels.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }

        /** Replaces each {@code delegate} route by the delegate VirtualService's routes, merged with its match. */
        private List<HTTPRoute> expandDelegates(Resource<VirtualService> vs) {
            List<HTTPRoute> out = new ArrayList<>();
            for (HTTPRoute route : vs.spec().http()) {
                if (route.delegate() == null) {
                    out.add(route);
                    continue;
                }
                String ns = route.delegate().namespace() != null ? route.delegate().namespace() : vs.namespace();
                Optional<Resource<VirtualService>> delegate =
                        config.find(ResourceKind.VIRTUAL_SERVICE, ns, route.delegate().name());
                if (delegate.isEmpty() || !delegate.get().spec().hosts().isEmpty()) {
                    warnings.add("VirtualService " + vs.metadata().key() + ": delegate " + ns + "/"
                            + route.delegate().name() + " not found (or it has hosts, so it is not a delegate); "
                            + "its routes are skipped");
                    continue;
                }
                for (HTTPRoute child : delegate.get().spec().http()) {
                    HTTPRoute merged = Delegation.merge(route, child);
                    if (merged != null) {
                        out.add(merged);
                    }
                }
            }
            return out;
        }

        private IstioRoute resolve(Resource<VirtualService> vs, int index, HTTPRoute route,
                                   List<HTTPMatchRequest> blocks) {
            List<IstioRoute.Target> destinations = new ArrayList<>();
            for (HTTPRouteDestination d : route.route()) {
                if (d.destination() == null || d.destination().host() == null) {
                    continue;
                }
                destinations.add(destination(vs, d.destination(), d.weight() == null ? 0 : d.weight(),
                        d.headers()));
            }
            List<IstioRoute.MirrorTarget> mirrors = new ArrayList<>();
            if (route.mirror() != null && route.mirror().host() != null) {
                double pct = route.mirrorPercentage() != null && route.mirrorPercentage().value() != null
                        ? route.mirrorPercentage().value()
                        : route.mirrorPercent() != null ? route.mirrorPercent() : 100.0;
                mirrors.add(new IstioRoute.MirrorTarget(destination(vs, route.mirror(), 0, null), pct));
            }
            for (HTTPMirrorPolicy m : route.mirrors()) {
                if (m.destination() == null || m.destination().host() == null) {
                    continue;
                }
                double pct = m.percentage() != null && m.percentage().value() != null ? m.percentage().value() : 100.0;
                mirrors.add(new IstioRoute.MirrorTarget(destination(vs, m.destination(), 0, null), pct));
            }
            mirrors.removeIf(m -> m.percentage() <= 0); // explicit 0 means no mirroring
            return new IstioRoute(names.intern(vs.metadata().key()), index, route, blocks, destinations, mirrors);
        }

        private IstioRoute.Target destination(Resource<VirtualService> vs, Destination d, int weight,
                                                io.proxyless.mesh.api.Headers headers) {
            String host = qualify(d.host(), vs.namespace());
            Integer explicitPort = d.port() == null ? null : d.port().number();
            Optional<MeshService> service = registry.lookup(host);
            if (service.isEmpty()) {
                return new IstioRoute.Target(host, d.subset(), explicitPort, weight, headers, null, Map.of(),
                        "cluster not found: " + host + " is not in the mesh registry (no ServiceEntry)");
            }
            MeshService s = service.get();
            if (registry.alias(host).isPresent()) {
                host = s.host(); // an ExternalName alias: the named service is the destination, as in Istio 1.21+
            }
            if (d.subset() != null && rules(s.host()).subset(d.subset()).isEmpty()) {
                return new IstioRoute.Target(host, d.subset(), explicitPort, weight, headers, null, Map.of(),
                        "subset " + d.subset() + " of " + host + " is not defined by any DestinationRule "
                                + "(a sidecar answers 503 no healthy upstream)");
            }
            if (explicitPort != null) {
                return new IstioRoute.Target(host, d.subset(), explicitPort, weight, headers,
                        cluster(s, d.subset(), explicitPort), Map.of(), null);
            }
            if (s.ports().size() == 1) {
                // Istio: no port on the destination → the service's only port.
                return new IstioRoute.Target(host, d.subset(), null, weight, headers,
                        cluster(s, d.subset(), s.ports().get(0).number()), Map.of(), null);
            }
            Map<Integer, IstioCluster> byPort = new HashMap<>();
            for (var port : s.ports()) {
                byPort.put(port.number(), cluster(s, d.subset(), port.number()));
            }
            return new IstioRoute.Target(host, d.subset(), null, weight, headers, null, Map.copyOf(byPort), null);
        }
    }
}
