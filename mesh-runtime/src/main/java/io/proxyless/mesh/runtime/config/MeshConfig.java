package io.proxyless.mesh.runtime.config;

import com.google.common.base.Supplier;
import com.google.common.base.Suppliers;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableListMultimap;
import com.google.common.collect.ImmutableMap;
import io.proxyless.mesh.api.ConfigException;
import io.proxyless.mesh.api.DestinationRule;
import io.proxyless.mesh.api.HostName;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.ServiceEntry;
import io.proxyless.mesh.api.VirtualService;
import io.proxyless.mesh.api.kubernetes.KubernetesObjects;
import io.proxyless.mesh.api.loader.LoadedConfig;
import io.proxyless.mesh.runtime.model.MeshModel;
import io.proxyless.mesh.runtime.security.InboundPolicy;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One immutable, error-free snapshot of all mesh config in force: every resource in load order, indexed by
 * kind, by {@code kind/namespace/name} and by host, plus the warnings that came with it.
 *
 * <p>Every config source (files, later xDS) ends in this type. The runtime holds the current snapshot in one
 * volatile field and compiles it once per change, so a request reads one consistent picture without locks.
 *
 * <pre>{@code
 * MeshConfig config = MeshConfig.of(ConfigLoader.create().loadOrThrow(List.of(Path.of("mesh/"))));
 * List<Resource<VirtualService>> routes = config.byHost(ResourceKind.VIRTUAL_SERVICE, "reviews");
 * Optional<Resource<DestinationRule>> dr = config.find(ResourceKind.DESTINATION_RULE, "default", "reviews");
 * }</pre>
 *
 * <p><b>Hosts</b> are indexed exactly as written in the resource ({@code VirtualService.hosts},
 * {@code DestinationRule.host}, {@code ServiceEntry.hosts}); {@code reviews} and
 * {@code reviews.default.svc.cluster.local} are different keys here. Expanding short names is the routing
 * engine's job, which knows each resource's namespace and the cluster domain; {@link HostName#qualified} gives it
 * Istio's rule.
 *
 * <p><b>Duplicates</b>: when several resources share kind, namespace and name, all are kept in
 * {@link #resources()}, and {@link #find} returns the first loaded, matching Istio's "oldest wins".
 *
 * <p><b>Two forms.</b> A source either publishes Istio resources (files: the runtime makes istiod's decisions
 * and writes them as the route model), or publishes the route model itself ({@link #ofModel}: xDS, already
 * Envoy-shaped). A model config has no Istio resources; an Istio config has no {@link #model()}.
 *
 * <pre>{@code
 * MeshConfig config = MeshConfig.ofModel(model, List.of());   // e.g. from RDS, CDS and EDS
 * mesh source publishes config → Mesh compiles config.model().get() into the request path
 * }</pre>
 */
public final class MeshConfig {
    // Declared before EMPTY so it is initialised first; EMPTY itself takes version 0.
    private static final AtomicLong LAST_VERSION = new AtomicLong();

    /** No resources, no warnings, version 0. What a runtime holds before any config arrives. */
    public static final MeshConfig EMPTY = new MeshConfig(0, List.of(), List.of(), null, null,
            KubernetesObjects.EMPTY);

    private final long version;
    private final ImmutableList<Resource<?>> resources;
    private final ImmutableListMultimap<ResourceKind, Resource<?>> byKind;
    // Looked up by name only for delegate VirtualServices, by host only by tools: made on first use, as the
    // snapshot in force keeps its config and these indexes would otherwise hold an entry per resource.
    private final Supplier<ImmutableMap<NameKey, Resource<?>>> byName = Suppliers.memoize(this::indexByName);
    private final Supplier<ImmutableListMultimap<HostKey, Resource<?>>> byHost = Suppliers.memoize(this::indexByHost);
    private final ImmutableList<Problem> warnings;
    private final MeshModel model;
    private final InboundPolicy inbound;
    private final KubernetesObjects kubernetes;

    private MeshConfig(long version, List<Resource<?>> resources, List<Problem> warnings, MeshModel model,
                       InboundPolicy inbound, KubernetesObjects kubernetes) {
        this.version = version;
        this.model = model;
        this.inbound = inbound;
        this.resources = ImmutableList.copyOf(resources);
        this.warnings = ImmutableList.copyOf(warnings);
        this.kubernetes = kubernetes;

        ImmutableListMultimap.Builder<ResourceKind, Resource<?>> kinds = ImmutableListMultimap.builder();
        for (Resource<?> r : this.resources) {
            kinds.put(r.kind(), r);
        }
        this.byKind = kinds.build();
    }

    private ImmutableMap<NameKey, Resource<?>> indexByName() {
        Map<NameKey, Resource<?>> names = new LinkedHashMap<>();
        for (Resource<?> r : resources) {
            // First loaded wins, as in Istio where the oldest of two conflicting resources is used.
            names.putIfAbsent(new NameKey(r.kind(), r.namespace(), r.name()), r);
        }
        return ImmutableMap.copyOf(names);
    }

    private ImmutableListMultimap<HostKey, Resource<?>> indexByHost() {
        ImmutableListMultimap.Builder<HostKey, Resource<?>> hosts = ImmutableListMultimap.builder();
        for (Resource<?> r : resources) {
            // A resource listing the same host twice is indexed once under it.
            hostsOf(r).stream().distinct().forEach(h -> hosts.put(new HostKey(r.kind(), h), r));
        }
        return hosts.build();
    }

    /**
     * A snapshot of {@code loaded}'s resources and Kubernetes objects, carrying its warnings and infos.
     *
     * @throws ConfigException if {@code loaded} has errors: a config with errors must never be put in service
     */
    public static MeshConfig of(LoadedConfig loaded) throws ConfigException {
        Objects.requireNonNull(loaded, "loaded");
        return of(loaded.resources(), loaded.problems(), loaded.kubernetes());
    }

    /** A snapshot of already validated resources, with no warnings (e.g. built by hand in a test). */
    public static MeshConfig of(List<Resource<?>> resources) {
        return of(resources, List.of());
    }

    /**
     * A snapshot of already validated resources and the warnings found while loading them.
     *
     * @throws ConfigException if {@code problems} holds an error
     */
    public static MeshConfig of(List<Resource<?>> resources, List<Problem> problems) throws ConfigException {
        return of(resources, problems, KubernetesObjects.EMPTY);
    }

    /**
     * A snapshot of already validated resources, the Kubernetes objects loaded beside them (Services and their
     * endpoints, which the registry turns into services as istiod does) and the warnings found while loading.
     *
     * @throws ConfigException if {@code problems} holds an error
     */
    public static MeshConfig of(List<Resource<?>> resources, List<Problem> problems, KubernetesObjects kubernetes)
            throws ConfigException {
        Objects.requireNonNull(resources, "resources");
        Objects.requireNonNull(problems, "problems");
        Objects.requireNonNull(kubernetes, "kubernetes");
        if (problems.stream().anyMatch(Problem::blocksConfig)) {
            throw new ConfigException(problems);
        }
        return new MeshConfig(LAST_VERSION.incrementAndGet(), resources, problems, null, null, kubernetes);
    }

    /**
     * A snapshot of a route model a source built itself (xDS parses RDS, CDS and EDS into it), with the warnings
     * found while building it. It has no Istio resources: the runtime compiles the model as it is.
     *
     * @throws ConfigException if {@code warnings} holds an error
     */
    public static MeshConfig ofModel(MeshModel model, List<Problem> warnings) throws ConfigException {
        return ofModel(model, null, warnings);
    }

    /**
     * Like {@link #ofModel(MeshModel, List)}, with the workload's inbound policy the source compiled itself (xDS:
     * from the inbound listeners of the ports this workload serves).
     *
     * @param inbound the inbound policy, or null for none ({@link InboundPolicy#allowAll()})
     * @throws ConfigException if {@code warnings} holds an error
     */
    public static MeshConfig ofModel(MeshModel model, InboundPolicy inbound, List<Problem> warnings)
            throws ConfigException {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(warnings, "warnings");
        if (warnings.stream().anyMatch(Problem::blocksConfig)) {
            throw new ConfigException(warnings);
        }
        return new MeshConfig(LAST_VERSION.incrementAndGet(), List.of(), warnings, model, inbound,
                KubernetesObjects.EMPTY);
    }

    /**
     * The inbound policy a source published with its route model ({@link #ofModel(MeshModel, InboundPolicy,
     * List)}); empty for Istio resources (the runtime compiles their PeerAuthentications and AuthorizationPolicies)
     * and for a model published without one.
     */
    public Optional<InboundPolicy> inbound() {
        return Optional.ofNullable(inbound);
    }

    /** The route model a source published ({@link #ofModel}); empty for a config of Istio resources. */
    public Optional<MeshModel> model() {
        return Optional.ofNullable(model);
    }

    /** The Kubernetes Services, EndpointSlices, Endpoints, Pods, Namespaces and Nodes of this snapshot. */
    public KubernetesObjects kubernetes() {
        return kubernetes;
    }

    /**
     * Identifies this snapshot. Versions are unique within the JVM and increase in creation order (not
     * necessarily by one), so of two snapshots the one with the larger version is newer; {@link #EMPTY} is 0.
     * This is deliberately not a content hash: it is cheap, never collides, and tells "newer" from "older".
     * Sources do not publish a snapshot whose content equals the current one, so a new version means a change.
     */
    public long version() {
        return version;
    }

    /** Every resource, in load order (file order, then document order within a file). */
    public List<Resource<?>> resources() {
        return resources;
    }

    /**
     * The resources of one kind, in load order. The spec type follows from the kind:
     * {@code List<Resource<VirtualService>> vs = config.resources(ResourceKind.VIRTUAL_SERVICE);}
     */
    public <S> List<Resource<S>> resources(ResourceKind kind) {
        return cast(byKind.get(Objects.requireNonNull(kind, "kind")));
    }

    /** The resource of {@code kind} named {@code namespace/name}; the first loaded one if there are several. */
    @SuppressWarnings("unchecked")
    public <S> Optional<Resource<S>> find(ResourceKind kind, String namespace, String name) {
        Objects.requireNonNull(kind, "kind");
        return Optional.ofNullable((Resource<S>) byName.get().get(new NameKey(kind, namespace, name)));
    }

    /**
     * The resources of {@code kind} that name {@code host}, compared exactly as written (no short-name
     * expansion, no wildcard matching), in load order. Only VirtualService ({@code hosts}), DestinationRule
     * ({@code host}) and ServiceEntry ({@code hosts}) have hosts; other kinds give an empty list.
     */
    public <S> List<Resource<S>> byHost(ResourceKind kind, String host) {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(host, "host");
        return cast(byHost.get().get(new HostKey(kind, host)));
    }

    /**
     * The non-error problems (warnings and infos) found while loading this config, sorted by location. They
     * travel with the snapshot so that a dump or the CLI can show what is in force and what is doubtful.
     */
    public List<Problem> warnings() {
        return warnings;
    }

    /** True when there is nothing to route by: no resources and no route model. */
    public boolean isEmpty() {
        return resources.isEmpty() && model == null;
    }

    /**
     * The hosts a resource applies to, as written: VirtualService {@code hosts}, DestinationRule {@code host}
     * (a one-element list), ServiceEntry {@code hosts}; an empty list for other kinds.
     */
    public static List<String> hostsOf(Resource<?> resource) {
        List<String> hosts = switch (resource.kind()) {
            case VIRTUAL_SERVICE -> ((VirtualService) resource.spec()).hosts();
            case DESTINATION_RULE -> {
                String host = ((DestinationRule) resource.spec()).host();
                yield host == null ? List.of() : List.of(host);
            }
            case SERVICE_ENTRY -> ((ServiceEntry) resource.spec()).hosts();
            default -> List.of();
        };
        return hosts.stream().filter(Objects::nonNull).toList();
    }

    @Override
    public String toString() {
        Map<ResourceKind, Integer> counts = new LinkedHashMap<>();
        byKind.asMap().forEach((kind, list) -> counts.put(kind, list.size()));
        if (model != null) {
            return "MeshConfig{version=" + version + ", model: " + model.routeConfigurations().size()
                    + " route configurations, " + model.clusters().size() + " clusters, warnings=" + warnings.size()
                    + "}";
        }
        return "MeshConfig{version=" + version + ", resources=" + counts + ", warnings=" + warnings.size() + "}";
    }

    // The spec type is determined by the kind (Resource's constructor enforces it), so the cast is safe.
    @SuppressWarnings("unchecked")
    private static <S> List<Resource<S>> cast(List<Resource<?>> list) {
        return (List<Resource<S>>) (List<?>) list;
    }

    private record NameKey(ResourceKind kind, String namespace, String name) {
    }

    private record HostKey(ResourceKind kind, String host) {
    }
}
