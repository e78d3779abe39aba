package io.proxyless.mesh.runtime.registry;

import com.google.common.net.InetAddresses;
import io.proxyless.mesh.api.DestinationRule;
import io.proxyless.mesh.api.HostName;
import io.proxyless.mesh.api.OutboundTrafficPolicy;
import io.proxyless.mesh.api.Resource;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.ServiceEntry;
import io.proxyless.mesh.api.ServiceEntry.Location;
import io.proxyless.mesh.api.ServiceEntry.Resolution;
import io.proxyless.mesh.api.ServicePort;
import io.proxyless.mesh.api.Sidecar;
import io.proxyless.mesh.api.Subset;
import io.proxyless.mesh.api.WorkloadEntry;
import io.proxyless.mesh.runtime.config.MeshConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The services one client can call, compiled once per config snapshot from the ServiceEntries, WorkloadEntries,
 * Kubernetes Services with their EndpointSlices or Endpoints ({@link KubernetesServices}), Sidecars and
 * DestinationRules (for subset precomputation) in a {@link MeshConfig}, following Istio's rules for a sidecar in
 * the client's namespace with the client's labels. Immutable; safe to share between threads.
 *
 * <pre>{@code
 * ServiceRegistry registry = ServiceRegistry.build(config, new RegistryOptions("shop", Map.of("app", "web"), null));
 * String host = registry.qualify("reviews");                  // reviews.shop.svc.cluster.local
 * Optional<MeshService> service = registry.lookup(host);
 * if (service.isEmpty() && registry.outboundTrafficPolicy() == OutboundTrafficPolicy.Mode.REGISTRY_ONLY) {
 *     // Istio answers 502
 * }
 * }</pre>
 *
 * <h2>Which services the client sees</h2>
 * A service is visible when its ServiceEntry's {@code exportTo} includes the client's namespace and the client's
 * Sidecar imports it ({@link HostVisibility}). The Sidecar is chosen as Istio's {@code getSidecarScope} does:
 * the oldest Sidecar in the client's namespace whose {@code workloadSelector} matches the client's labels, else
 * the oldest one there without a selector, else the oldest selector-less Sidecar in the root namespace
 * ({@code istio-system}), else none (everything imported, {@code ALLOW_ANY}). "Oldest" is load order here.
 *
 * <h2>Several ServiceEntries for one host</h2>
 * Istio ({@code PushContext.initServiceRegistry}, {@code serviceentry/conversion.go
 * mergeServicesInstancesByNamespaceHost}, {@code SidecarScope.appendSidecarServices}, {@code selectServices}):
 * <ul>
 *   <li>in <b>one namespace</b>, the oldest ServiceEntry defines the service (resolution, location, exportTo,
 *       SANs); a newer one with the same ports adds nothing but endpoints; a newer one with other ports adds
 *       the ports it has and the oldest lacks, but only when resolution, exportTo, workloadSelector and labels
 *       are equal (Istio's {@code canMergeServices}), otherwise it is ignored. The <b>endpoints</b> of all of
 *       them are merged, matched to the service's ports by port <em>name</em>; with {@code DNS_ROUND_ROBIN}
 *       only the first endpoint of each port is kept;</li>
 *   <li>in <b>several namespaces</b>, the client uses the one in its own namespace, else the first it can see
 *       (those exported specifically to its namespace before public ones, then in load order). Istio leaves
 *       this case "arbitrary"; we make it deterministic.</li>
 * </ul>
 * Each such case adds a line to {@link #warnings()}.
 *
 * <h2>Looking up a host</h2>
 * {@link #lookup} follows Envoy's virtual-host matching over the hosts Istio generates: the exact host (also
 * written with a trailing dot), then the Kubernetes short forms Istio adds for {@code *.svc.<suffix>} hosts
 * ({@code name.ns}, {@code name.ns.svc}, and {@code name} for the client's own namespace), then a service
 * address (VIP), then the longest wildcard host ({@code *.api.example.com} before {@code *.example.com} before
 * {@code *}). The host of an {@code ExternalName} Service that names a visible service ({@link ServiceAlias}),
 * and its short forms, find that service.
 */
public final class ServiceRegistry {
    private final RegistryOptions options;
    private final HostVisibility visibility;
    private final OutboundTrafficPolicy.Mode outboundTrafficPolicy;
    private final String sidecar;
    private final List<MeshService> services;
    private final NameTable<MeshService> byHost;
    private final NameTable<MeshService> byAlias;
    private final NameTable<MeshService> byAddress;
    private final NameTable<MeshService> byWildcard;
    // ExternalName aliases (Istio 1.21+) the client sees: their hosts, then their short forms, to the named service.
    private final NameTable<MeshService> byExternalName;
    private final NameTable<MeshService> byExternalNameShort;
    private final Map<String, ServiceAlias> aliases;
    private final Map<String, List<String>> aliasesByTarget;
    private final List<String> warnings;

    private ServiceRegistry(Builder b, List<MeshService> services) {
        this.options = b.options;
        this.visibility = b.visibility;
        this.outboundTrafficPolicy = b.outboundTrafficPolicy;
        this.sidecar = b.sidecarKey;
        this.services = List.copyOf(services);
        Map<String, MeshService> hosts = new HashMap<>();
        Map<String, MeshService> aliases = new HashMap<>();
        Map<String, MeshService> addresses = new HashMap<>();
        Map<String, MeshService> wildcards = new HashMap<>();
        for (MeshService s : this.services) {
            hosts.put(s.host(), s);
            if (s.isWildcard()) {
                wildcards.put(s.host(), s);
            } else {
                for (HostName alias : HostName.of(s.host()).aliases(options.clientNamespace(),
                        options.domainSuffix())) {
                    aliases.putIfAbsent(b.names.apply(alias.toString()), s);
                }
            }
            for (String address : s.addresses()) {
                if (!address.isEmpty() && !address.contains("/")) {
                    addresses.putIfAbsent(HostName.of(address).toString(), s);
                }
            }
        }
        this.byHost = NameTable.of(hosts);
        this.byAlias = NameTable.of(aliases);
        this.byAddress = NameTable.of(addresses);
        this.byWildcard = NameTable.of(wildcards);
        Map<String, MeshService> servicesByHost = new HashMap<>();
        this.services.forEach(s -> servicesByHost.put(s.host(), s));
        Map<String, MeshService> externalNames = new HashMap<>();
        Map<String, MeshService> externalShortNames = new HashMap<>();
        Map<String, ServiceAlias> aliasesByHost = new LinkedHashMap<>();
        Map<String, List<String>> byTarget = new HashMap<>();
        for (ServiceAlias a : b.aliases) {
            MeshService target = servicesByHost.get(a.target());
            // A host of its own (a ServiceEntry's) keeps its service; an alias of a service the client cannot see
            // is nothing to it, as Istio adds the alias only to the virtual host of that service.
            if (target == null || hosts.containsKey(a.host())) {
                continue;
            }
            String host = b.names.apply(a.host());
            aliasesByHost.put(host, a);
            byTarget.computeIfAbsent(target.host(), k -> new ArrayList<>()).add(host);
            externalNames.put(host, target);
            for (String shortName : shortNames(host)) {
                externalShortNames.putIfAbsent(b.names.apply(shortName), target);
            }
        }
        this.byExternalName = NameTable.of(externalNames);
        this.byExternalNameShort = NameTable.of(externalShortNames);
        this.aliases = Collections.unmodifiableMap(aliasesByHost);
        Map<String, List<String>> frozen = new HashMap<>();
        byTarget.forEach((k, v) -> frozen.put(k, List.copyOf(v)));
        this.aliasesByTarget = Map.copyOf(frozen);
        // A multi-host ServiceEntry reports the same endpoint problem once per host: say it once.
        this.warnings = List.copyOf(new LinkedHashSet<>(b.warnings));
    }

    /**
     * Compiles the services {@code options}' client can see in {@code config}. Never fails on valid config;
     * anything doubtful goes to {@link #warnings()}.
     */
    public static ServiceRegistry build(MeshConfig config, RegistryOptions options) {
        return build(config, options, UnaryOperator.identity());
    }

    /**
     * Like {@link #build(MeshConfig, RegistryOptions)}, each ServiceEntry endpoint passed through {@code shared}, which
     * may hand back an equal endpoint built before (a compiler keeps one object per endpoint across snapshots).
     */
    public static ServiceRegistry build(MeshConfig config, RegistryOptions options, UnaryOperator<Endpoint> shared) {
        return build(config, options, shared, UnaryOperator.identity());
    }

    /**
     * Like {@link #build(MeshConfig, RegistryOptions, UnaryOperator)}, each service's host, defining resource and
     * short-name alias passed through {@code names}, which may hand back an equal string held already (a compiler
     * interns the names its route model uses, so the registry and the model share one string per name).
     */
    public static ServiceRegistry build(MeshConfig config, RegistryOptions options, UnaryOperator<Endpoint> shared,
                                        UnaryOperator<String> names) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(options, "options");
        return new Builder(config, options, Objects.requireNonNull(shared, "shared"),
                Objects.requireNonNull(names, "names")).build();
    }

    /**
     * The registry of {@code config}, which differs from {@code beforeConfig} (whose registry, for the same client,
     * is {@code before}) only in the inline endpoints of ServiceEntries that alone define their hosts: {@code before}
     * with those services' endpoint tables written again, and everything else — the other services, the Sidecar,
     * host and alias lookups, warnings — as it is, so that moving one service's endpoints does not build the
     * registry of every service again. Null when the change is anything else, or when an endpoint of it would be
     * worth a warning: then {@link #build(MeshConfig, RegistryOptions, UnaryOperator)} builds it.
     */
    public static ServiceRegistry withMovedEndpoints(ServiceRegistry before, MeshConfig beforeConfig,
                                                     MeshConfig config, UnaryOperator<Endpoint> shared) {
        List<Resource<?>> now = config.resources();
        List<Resource<?>> was = beforeConfig.resources();
        if (now.size() != was.size() || config.model().isPresent() || beforeConfig.model().isPresent()
                || !config.kubernetes().equals(beforeConfig.kubernetes())) {
            return null;
        }
        List<Resource<?>> moved = new ArrayList<>();
        for (int i = 0; i < now.size(); i++) {
            Resource<?> a = now.get(i);
            Resource<?> b = was.get(i);
            // Resources of files that did not change are the very objects of the config before.
            if (a == b) {
                continue;
            }
            if (a.kind() == ResourceKind.SERVICE_ENTRY && b.kind() == ResourceKind.SERVICE_ENTRY
                    && a.metadata().equals(b.metadata())) {
                ServiceEntry x = (ServiceEntry) a.spec();
                ServiceEntry y = (ServiceEntry) b.spec();
                if (!x.endpoints().equals(y.endpoints())) {
                    if (!onlyEndpointsDiffer(x, y)) {
                        return null;
                    }
                    moved.add(a);
                    continue;
                }
            }
            if (!a.equals(b)) {
                return null;
            }
        }
        // Names (hosts, keys) are the services' own, already shared: the builder only writes endpoints.
        Builder builder = new Builder(config, before.options, shared, UnaryOperator.identity());
        Map<MeshService, MeshService> replaced = new java.util.IdentityHashMap<>();
        for (Resource<?> r : moved) {
            ServiceEntry spec = (ServiceEntry) r.spec();
            List<ServicePortSpec> ports = new ArrayList<>();
            for (ServicePort p : spec.ports()) {
                if (p != null && p.number() != null) {
                    ports.add(ServicePortSpec.from(p));
                }
            }
            @SuppressWarnings("unchecked")
            List<Workload> workloads = builder.workloads((Resource<ServiceEntry>) r, spec.resolution(), Map.of());
            for (String h : spec.hosts()) {
                if (h == null || h.isBlank()) {
                    continue;
                }
                String host = HostName.of(h).toString();
                MeshService service = before.byHost.get(host);
                if (service == null) {
                    continue; // not visible to this client: its endpoints change nothing here
                }
                // The service must be this entry's alone: defined by it, not merged with other ServiceEntries (their
                // merges and choices are warned about, naming the host) nor with a Kubernetes Service.
                if (!service.source().equals(r.metadata().key()) || !service.namespace().equals(r.namespace())
                        || before.warnings.stream().anyMatch(w -> w.contains(host))
                        || config.kubernetes().services().stream().anyMatch(k -> host.startsWith(k.name() + "."))) {
                    return null;
                }
                Map<String, List<Endpoint>> byName = builder.endpoints(spec, host, spec.resolution(), ports,
                        workloads);
                Map<Integer, List<Endpoint>> byPort = new LinkedHashMap<>();
                for (ServicePortSpec p : service.ports()) {
                    List<Endpoint> list = byName.get(p.name());
                    if (list != null && !list.isEmpty()) {
                        byPort.put(p.number(), list);
                    }
                }
                replaced.put(service, new MeshService(service.host(), service.namespace(), service.ports(),
                        service.location(), service.resolution(), service.exportTo(), service.subjectAltNames(),
                        service.addresses(), service.source(), EndpointTable.of(byPort)));
            }
        }
        if (!builder.warnings.isEmpty()) {
            return null;
        }
        if (replaced.isEmpty()) {
            return moved.isEmpty() ? before : null;
        }
        builder.precomputeSubsets(List.copyOf(replaced.values()));
        return new ServiceRegistry(before, replaced);
    }

    /**
     * Whether two ServiceEntries differ only in their inline endpoints, each of which has an address, on a
     * resolution that takes them as they are (STATIC, DNS): what makes a service's endpoints and nothing else.
     */
    private static boolean onlyEndpointsDiffer(ServiceEntry x, ServiceEntry y) {
        return x.hosts().equals(y.hosts()) && x.addresses().equals(y.addresses()) && x.ports().equals(y.ports())
                && x.location() == y.location() && x.resolution() == y.resolution()
                && (x.resolution() == Resolution.STATIC || x.resolution() == Resolution.DNS)
                && x.workloadSelector() == null && y.workloadSelector() == null
                && x.exportTo().equals(y.exportTo()) && x.subjectAltNames().equals(y.subjectAltNames())
                && !x.endpoints().isEmpty() && !y.endpoints().isEmpty()
                && x.endpoints().stream().allMatch(e -> e.address() != null && !e.address().isEmpty())
                && y.endpoints().stream().allMatch(e -> e.address() != null && !e.address().isEmpty());
    }

    /** The short forms the client may call {@code host} by ({@link HostName#aliases}). */
    private List<String> shortNames(String host) {
        return HostName.of(host).aliases(options.clientNamespace(), options.domainSuffix()).stream()
                .map(HostName::toString).toList();
    }

    /** {@code before} with the services of {@code replaced}'s keys replaced by their values, wherever they are. */
    private ServiceRegistry(ServiceRegistry before, Map<MeshService, MeshService> replaced) {
        this.options = before.options;
        this.visibility = before.visibility;
        this.outboundTrafficPolicy = before.outboundTrafficPolicy;
        this.sidecar = before.sidecar;
        List<MeshService> services = new ArrayList<>(before.services);
        replaced.forEach((was, now) -> {
            for (int i = 0; i < services.size(); i++) {
                if (services.get(i) == was) {
                    services.set(i, now);
                }
            }
        });
        this.services = Collections.unmodifiableList(services);
        // Only the names under which a replaced service was filed are written again, in copies of the shards they
        // fall in: a one-service change rewrote every entry of every table (tens of thousands of names at 10,000
        // services), then copied each table whole.
        this.byHost = replace(before.byHost, replaced, s -> List.of(s.host()));
        this.byAlias = replace(before.byAlias, replaced, s -> s.isWildcard() ? List.of()
                : HostName.of(s.host()).aliases(options.clientNamespace(), options.domainSuffix()).stream()
                        .map(HostName::toString).toList());
        this.byAddress = replace(before.byAddress, replaced, s -> s.addresses().stream()
                .filter(a -> !a.isEmpty() && !a.contains("/")).map(a -> HostName.of(a).toString()).toList());
        this.byWildcard = replace(before.byWildcard, replaced, s -> List.of(s.host()));
        this.aliases = before.aliases;
        this.aliasesByTarget = before.aliasesByTarget;
        this.byExternalName = replace(before.byExternalName, replaced,
                s -> aliasesByTarget.getOrDefault(s.host(), List.of()));
        this.byExternalNameShort = replace(before.byExternalNameShort, replaced,
                s -> aliasesByTarget.getOrDefault(s.host(), List.of()).stream().flatMap(a -> shortNames(a).stream())
                        .toList());
        this.warnings = before.warnings;
    }

    /**
     * {@code table} with each replaced service's entries (among the names {@code names} gives for it, those under
     * which it is filed) pointing at its replacement.
     */
    private static NameTable<MeshService> replace(NameTable<MeshService> table,
                                                  Map<MeshService, MeshService> replaced,
                                                  java.util.function.Function<MeshService, List<String>> names) {
        Map<String, MeshService> changes = new HashMap<>();
        replaced.forEach((was, now) -> {
            for (String name : names.apply(was)) {
                if (table.get(name) == was) {
                    changes.put(name, now);
                }
            }
        });
        return table.with(changes);
    }

    /** An empty registry for {@code options}' client: no services, no Sidecar, {@code ALLOW_ANY}. */
    public static ServiceRegistry empty(RegistryOptions options) {
        return build(MeshConfig.EMPTY, options);
    }

    /**
     * The service for {@code host} (a fully qualified name, no port), by Istio's virtual-host rules: exact host,
     * then Kubernetes short forms of {@code .svc.} hosts, then a service VIP, then the longest matching wildcard
     * host. Case-insensitive; a trailing dot is ignored. Only services visible to the client are found.
     */
    public Optional<MeshService> lookup(String host) {
        Objects.requireNonNull(host, "host");
        if (host.isEmpty() || host.equals(".")) {
            return Optional.empty();
        }
        String h = HostName.of(host).toString();
        MeshService found = byHost.get(h);
        if (found == null) {
            found = byExternalName.get(h);
        }
        if (found == null && !HostName.isAbsolute(host)) {
            found = byAlias.get(h);
            if (found == null) {
                found = byExternalNameShort.get(h);
            }
        }
        if (found == null) {
            found = byAddress.get(h);
        }
        if (found == null && !byWildcard.isEmpty()) {
            // Each dot after the first label gives a candidate suffix, longest first: a.b.example.com tries
            // *.b.example.com, *.example.com, *.com, then *.
            for (int dot = h.indexOf('.', 1); dot > 0 && found == null; dot = h.indexOf('.', dot + 1)) {
                found = byWildcard.get("*" + h.substring(dot));
            }
            if (found == null) {
                found = byWildcard.get("*");
            }
        }
        return Optional.ofNullable(found);
    }

    /**
     * Expands a host the client's application wrote: a name without a dot is a Kubernetes short name in the
     * client's namespace ({@code reviews} → {@code reviews.shop.svc.cluster.local}); a name with a dot is kept
     * as written, except that the short forms {@code name.ns} and {@code name.ns.svc} of a visible
     * {@code name.ns.svc.<suffix>} service become that service's host. Lower-cased; trailing dot removed;
     * {@code *} and IP addresses unchanged.
     */
    public String qualify(String host) {
        Objects.requireNonNull(host, "host");
        HostName h = HostName.of(host);
        if (!HostName.isAbsolute(host) && !byHost.containsKey(h.toString())) {
            MeshService alias = byAlias.get(h.toString());
            if (alias != null) {
                return alias.host();
            }
        }
        return HostName.qualified(host, options.clientNamespace(), options.domainSuffix()).toString();
    }

    /**
     * Expands a host written in config ({@link HostName#qualified}) relative to the namespace of the
     * resource it appears in, with this registry's domain suffix.
     */
    public String qualify(String host, String configNamespace) {
        return HostName.qualified(host, configNamespace, options.domainSuffix()).toString();
    }

    /**
     * The hosts of the {@code ExternalName} Services the client sees that are aliases of {@code host}, the host
     * of a service it sees ({@link ServiceAlias}); empty when there are none. Each is one more name of that
     * service's virtual host, with the short forms of a Kubernetes host.
     */
    public List<String> externalNameAliases(String host) {
        return aliasesByTarget.getOrDefault(host, List.of());
    }

    /** The {@code ExternalName} alias the client sees under the (fully qualified) {@code host}, if it is one. */
    public Optional<ServiceAlias> alias(String host) {
        return Optional.ofNullable(aliases.get(host));
    }

    /** The visibility rules of this client, to filter VirtualServices and DestinationRules the same way. */
    public HostVisibility visibility() {
        return visibility;
    }

    /**
     * Whether config in {@code resourceNamespace} with this {@code exportTo}, for {@code fqdnHost}, is visible
     * to the client: {@link HostVisibility#visible}. For VirtualServices (and, approximately, DestinationRules).
     */
    public boolean visible(String resourceNamespace, List<String> exportTo, String fqdnHost) {
        return visibility.visible(resourceNamespace, exportTo, fqdnHost);
    }

    /**
     * What to do with calls to hosts not in the registry: the selected Sidecar's {@code outboundTrafficPolicy},
     * else Istio's mesh default {@code ALLOW_ANY}. An {@code outboundTrafficPolicy} without {@code mode} is
     * {@code REGISTRY_ONLY}, the proto's zero value, as in Istio.
     */
    public OutboundTrafficPolicy.Mode outboundTrafficPolicy() {
        return outboundTrafficPolicy;
    }

    /** The Sidecar in force for this client, {@code namespace/name}, or empty when none applies. */
    public Optional<String> sidecar() {
        return Optional.ofNullable(sidecar);
    }

    /** Every service visible to the client, one per host, in load order of their ServiceEntries. */
    public List<MeshService> services() {
        return services;
    }

    /** Doubtful config found while building: duplicate hosts, ignored entries, empty selectors, ... */
    public List<String> warnings() {
        return warnings;
    }

    public RegistryOptions options() {
        return options;
    }

    @Override
    public String toString() {
        return "ServiceRegistry{client=" + options.clientNamespace() + ", sidecar=" + (sidecar == null ? "none" : sidecar)
                + ", " + outboundTrafficPolicy + ", services=" + services.stream().map(MeshService::host).toList() + "}";
    }

    /**
     * One host of one ServiceEntry or Kubernetes Service, before the client's view is taken.
     *
     * @param key        {@code namespace/name} of the resource that defines it
     * @param kubernetes whether that resource is a Kubernetes Service (else a ServiceEntry)
     * @param labels     that resource's labels
     * @param selector   the workload labels it selects (a ServiceEntry's {@code workloadSelector}), or empty
     */
    record Draft(int order, String namespace, String key, boolean kubernetes, Map<String, String> labels,
                 Map<String, String> selector, List<String> subjectAltNames, List<String> addresses, String host,
                 List<ServicePortSpec> ports, Resolution resolution, Location location, Set<String> exportTo,
                 Map<String, List<Endpoint>> endpointsByPortName) {

        /** Istio's {@code canMergeServices} for two ServiceEntries of one namespace and host. */
        boolean canMergeWith(Draft other) {
            return resolution == other.resolution && exportTo.equals(other.exportTo)
                    && selector.equals(other.selector) && labels.equals(other.labels);
        }
    }

    /** A draft the client can see, with the ports its Sidecar imports. */
    private record Candidate(Draft draft, Set<Integer> ports) {
    }

    /** A workload behind a ServiceEntry: an inline endpoint or a selected WorkloadEntry, with its labels. */
    private record Workload(WorkloadEntry entry, Map<String, String> labels, String describe) {
    }

    private static final class Builder {
        final MeshConfig config;
        final RegistryOptions options;
        final UnaryOperator<Endpoint> shared;
        final UnaryOperator<String> names;
        final List<String> warnings = new ArrayList<>();
        HostVisibility visibility;
        OutboundTrafficPolicy.Mode outboundTrafficPolicy = OutboundTrafficPolicy.Mode.ALLOW_ANY;
        String sidecarKey;
        List<ServiceAlias> aliases = List.of();
        Set<String> entryHosts = Set.of();

        Builder(MeshConfig config, RegistryOptions options, UnaryOperator<Endpoint> shared,
                UnaryOperator<String> names) {
            this.config = config;
            this.options = options;
            this.shared = shared;
            this.names = names;
        }

        ServiceRegistry build() {
            selectSidecar();
            List<Draft> drafts = drafts();
            Map<String, Map<String, List<Endpoint>>> endpointsByNamespaceHost = mergeEndpoints(drafts);
            List<MeshService> visible = clientView(drafts, endpointsByNamespaceHost);
            precomputeSubsets(visible);
            aliases = visibleAliases();
            return new ServiceRegistry(this, visible);
        }

        /** The ExternalName aliases exported to the client's namespace and imported by its Sidecar. */
        private List<ServiceAlias> visibleAliases() {
            List<ServiceAlias> out = new ArrayList<>();
            for (ServiceAlias a : KubernetesServices.aliases(config.kubernetes(), options.domainSuffix(),
                    entryHosts)) {
                boolean exported = a.exportTo().contains(HostVisibility.PUBLIC)
                        || a.exportTo().contains(options.clientNamespace());
                if (exported && visibility.imported(a.namespace(), a.host())) {
                    out.add(a);
                }
            }
            return out;
        }

        // ---- Sidecar ----

        private void selectSidecar() {
            String clientNs = options.clientNamespace();
            List<Resource<Sidecar>> all = config.resources(ResourceKind.SIDECAR);
            List<Resource<Sidecar>> selecting = new ArrayList<>();
            List<Resource<Sidecar>> namespaceDefaults = new ArrayList<>();
            List<Resource<Sidecar>> rootDefaults = new ArrayList<>();
            for (Resource<Sidecar> r : all) {
                boolean hasSelector = r.spec().workloadSelector() != null;
                if (r.namespace().equals(clientNs)) {
                    if (!hasSelector) {
                        namespaceDefaults.add(r);
                    } else if (EndpointTable.carries(options.clientLabels(), r.spec().workloadSelector().labels())) {
                        selecting.add(r);
                    }
                }
                if (r.namespace().equals(options.rootNamespace()) && !hasSelector) {
                    rootDefaults.add(r);
                }
            }
            Resource<Sidecar> chosen = first(selecting, "Sidecars in namespace " + clientNs + " select this client");
            if (chosen == null) {
                chosen = first(namespaceDefaults, "Sidecars without workloadSelector in namespace " + clientNs);
            }
            if (chosen == null) {
                chosen = first(rootDefaults, "Sidecars without workloadSelector in root namespace "
                        + options.rootNamespace());
            }
            if (chosen == null) {
                visibility = HostVisibility.importAll(clientNs);
                return;
            }
            sidecarKey = chosen.metadata().key();
            String prefix = "Sidecar " + sidecarKey + ": ";
            // "." in a root-namespace Sidecar means the client's namespace: Istio converts it per namespace.
            visibility = HostVisibility.of(clientNs, chosen.spec().egress(), w -> warnings.add(prefix + w));
            OutboundTrafficPolicy policy = chosen.spec().outboundTrafficPolicy();
            if (policy != null) {
                if (policy.mode() == null) {
                    warnings.add(prefix + "outboundTrafficPolicy has no mode, which Istio reads as REGISTRY_ONLY"
                            + " (the proto default)");
                    outboundTrafficPolicy = OutboundTrafficPolicy.Mode.REGISTRY_ONLY;
                } else {
                    outboundTrafficPolicy = policy.mode();
                }
            }
        }

        private Resource<Sidecar> first(List<Resource<Sidecar>> sidecars, String what) {
            if (sidecars.isEmpty()) {
                return null;
            }
            if (sidecars.size() > 1) {
                warnings.add(sidecars.size() + " " + what + " ("
                        + String.join(", ", sidecars.stream().map(r -> r.metadata().key()).toList())
                        + "); the oldest, " + sidecars.get(0).metadata().key() + ", applies");
            }
            return sidecars.get(0);
        }

        // ---- ServiceEntries ----

        private List<Draft> drafts() {
            Map<String, List<Resource<WorkloadEntry>>> workloadEntries = new HashMap<>();
            for (Resource<WorkloadEntry> we : config.<WorkloadEntry>resources(ResourceKind.WORKLOAD_ENTRY)) {
                workloadEntries.computeIfAbsent(we.namespace(), k -> new ArrayList<>()).add(we);
            }
            List<Draft> drafts = new ArrayList<>();
            for (Resource<ServiceEntry> r : config.<ServiceEntry>resources(ResourceKind.SERVICE_ENTRY)) {
                ServiceEntry spec = r.spec();
                Resolution resolution = spec.resolution() == null ? Resolution.NONE : spec.resolution();
                Location location = spec.location() == null ? Location.MESH_EXTERNAL : spec.location();
                List<ServicePortSpec> ports = new ArrayList<>();
                for (ServicePort p : spec.ports()) {
                    if (p != null && p.number() != null) {
                        ports.add(ServicePortSpec.from(p));
                    }
                }
                Set<String> exportTo = HostVisibility.normalizeExportTo(r.namespace(), spec.exportTo());
                List<Workload> workloads = workloads(r, resolution, workloadEntries);
                Set<String> hosts = new LinkedHashSet<>();
                for (String h : spec.hosts()) {
                    if (h != null && !h.isBlank()) {
                        hosts.add(HostName.of(h).toString());
                    }
                }
                Map<String, String> selector = spec.workloadSelector() == null ? Map.of()
                        : spec.workloadSelector().labels();
                for (String host : hosts) {
                    Map<String, List<Endpoint>> endpoints = endpoints(spec, host, resolution, ports, workloads);
                    drafts.add(new Draft(drafts.size(), r.namespace(), r.metadata().key(), false, r.metadata().labels(),
                            selector, spec.subjectAltNames(), spec.addresses(), host, ports, resolution, location,
                            exportTo, endpoints));
                }
            }
            entryHosts = new HashSet<>();
            drafts.forEach(d -> entryHosts.add(d.host()));
            drafts.addAll(KubernetesServices.drafts(config.kubernetes(), options.domainSuffix(), drafts.size(),
                    entryHosts));
            return drafts;
        }

        /** The workloads behind a ServiceEntry: its inline endpoints, or the WorkloadEntries it selects. */
        private List<Workload> workloads(Resource<ServiceEntry> r, Resolution resolution,
                                         Map<String, List<Resource<WorkloadEntry>>> workloadEntries) {
            ServiceEntry spec = r.spec();
            String prefix = "ServiceEntry " + r.metadata().key() + ": ";
            if (resolution == Resolution.NONE || resolution == Resolution.DYNAMIC_DNS) {
                // No endpoints by definition; validation rejects or warns about any that are written.
                return List.of();
            }
            List<Workload> out = new ArrayList<>();
            if (spec.workloadSelector() == null) {
                for (int i = 0; i < spec.endpoints().size(); i++) {
                    WorkloadEntry e = spec.endpoints().get(i);
                    if (e != null) {
                        out.add(new Workload(e, e.labels(), prefix + "endpoints[" + i + "]"));
                    }
                }
                return out;
            }
            Map<String, String> selector = spec.workloadSelector().labels();
            boolean dns = resolution == Resolution.DNS || resolution == Resolution.DNS_ROUND_ROBIN;
            List<Resource<WorkloadEntry>> candidates = new ArrayList<>(
                    workloadEntries.getOrDefault(r.namespace(), List.of()));
            // Istio sorts selected workloads by name for a stable endpoint order.
            candidates.sort(Comparator.comparing(Resource::name));
            for (Resource<WorkloadEntry> we : candidates) {
                // Metadata labels are merged into the spec's, and win (Istio's ConvertWorkloadEntry).
                Map<String, String> labels = new LinkedHashMap<>(we.spec().labels());
                labels.putAll(we.metadata().labels());
                if (!EndpointTable.carries(labels, selector)) {
                    continue;
                }
                String address = we.spec().address();
                if (!dns && address != null && !address.isEmpty() && !InetAddresses.isInetAddress(address)) {
                    // A host name or unix socket address only makes sense to a DNS ServiceEntry (Istio's
                    // DNSServiceEntryOnly).
                    warnings.add(prefix + "WorkloadEntry " + we.metadata().key() + " has address \"" + address
                            + "\", which only DNS ServiceEntries can use; not an endpoint of this " + resolution
                            + " service");
                    continue;
                }
                out.add(new Workload(we.spec(), Collections.unmodifiableMap(labels),
                        "WorkloadEntry " + we.metadata().key()));
            }
            if (out.isEmpty()) {
                warnings.add(prefix + "workloadSelector " + selector + " selects no WorkloadEntry in namespace "
                        + r.namespace() + "; the service has no endpoints");
            }
            return out;
        }

        /** Endpoints of one host of a ServiceEntry by service port name ({@code convertServiceEntryToInstances}). */
        private Map<String, List<Endpoint>> endpoints(ServiceEntry spec, String host, Resolution resolution,
                                                      List<ServicePortSpec> ports, List<Workload> workloads) {
            Map<String, List<Endpoint>> byName = new LinkedHashMap<>();
            boolean dns = resolution == Resolution.DNS || resolution == Resolution.DNS_ROUND_ROBIN;
            if (dns && spec.endpoints().isEmpty() && spec.workloadSelector() == null) {
                // DNS without endpoints: the host itself is the endpoint, resolved by the adapter at connect time.
                // (Validation rejects wildcard hosts here.)
                if (!HostName.of(host).isWildcard()) {
                    for (ServicePortSpec p : ports) {
                        byName.put(p.name(), List.of(new Endpoint(host, p.endpointPort(), Map.of(), "", 1, "", null)));
                    }
                }
                return byName;
            }
            for (Workload w : workloads) {
                WorkloadEntry e = w.entry();
                if (e.address() == null || e.address().isEmpty()) {
                    warnings.add(w.describe() + " has no address (an endpoint reached through a network gateway);"
                            + " not supported, skipped");
                    continue;
                }
                boolean unix = e.address().startsWith("unix://");
                for (ServicePortSpec p : ports) {
                    int port;
                    if (unix) {
                        port = 0;
                    } else {
                        Integer own = e.ports().get(p.name());
                        port = own != null && own > 0 ? own : p.endpointPort();
                    }
                    Endpoint endpoint = shared.apply(new Endpoint(e.address(), port, w.labels(), e.locality(),
                            e.weight() == null ? 1 : e.weight(), e.network(), e.serviceAccount()));
                    byName.computeIfAbsent(p.name(), k -> new ArrayList<>()).add(endpoint);
                }
            }
            return byName;
        }

        /**
         * Merges the endpoints of every ServiceEntry of one namespace and host, by port name, oldest first
         * ({@code mergeServicesInstancesByNamespaceHost}). Keyed by {@code namespace/host}.
         */
        private Map<String, Map<String, List<Endpoint>>> mergeEndpoints(List<Draft> drafts) {
            Map<String, List<Draft>> groups = new LinkedHashMap<>();
            for (Draft d : drafts) {
                groups.computeIfAbsent(d.namespace() + "/" + d.host(), k -> new ArrayList<>()).add(d);
            }
            Map<String, Map<String, List<Endpoint>>> merged = new HashMap<>();
            for (Map.Entry<String, List<Draft>> group : groups.entrySet()) {
                List<Draft> members = group.getValue();
                Draft oldest = members.get(0);
                // A ServiceEntry next to the Kubernetes Service of its host (adding VMs to it, say) is the usual
                // way to extend a service; only several ServiceEntries for one host deserve a word.
                List<Draft> entries = members.stream().filter(d -> !d.kubernetes()).toList();
                if (entries.size() > 1) {
                    warnings.add("host " + oldest.host() + " is defined by " + entries.size() + " ServiceEntries in"
                            + " namespace " + oldest.namespace() + " (" + String.join(", ",
                            entries.stream().map(Draft::key).toList()) + "): " + entries.get(0).key()
                            + " (the oldest) defines the service; endpoints of all are merged by port name; the others"
                            + " add ports only if resolution, exportTo, workloadSelector and labels are equal");
                }
                Map<String, List<Endpoint>> byName = new LinkedHashMap<>();
                boolean dropped = false;
                for (Draft d : members) {
                    boolean roundRobin = d.resolution() == Resolution.DNS_ROUND_ROBIN;
                    for (Map.Entry<String, List<Endpoint>> port : d.endpointsByPortName().entrySet()) {
                        List<Endpoint> list = byName.computeIfAbsent(port.getKey(), k -> new ArrayList<>());
                        for (Endpoint e : port.getValue()) {
                            // DNS_ROUND_ROBIN connects to one name: Istio keeps the first endpoint of each port.
                            if (roundRobin && !list.isEmpty()) {
                                dropped = true;
                                break;
                            }
                            list.add(e);
                        }
                    }
                }
                if (dropped) {
                    warnings.add("host " + oldest.host() + " in namespace " + oldest.namespace() + " has several"
                            + " endpoints per port with resolution DNS_ROUND_ROBIN; only the first of each port is"
                            + " used");
                }
                merged.put(group.getKey(), byName);
            }
            return merged;
        }

        // ---- The client's view ----

        private List<MeshService> clientView(List<Draft> drafts,
                                             Map<String, Map<String, List<Endpoint>>> endpointsByNamespaceHost) {
            String clientNs = options.clientNamespace();
            // Istio lists the services exported specifically to a namespace before the public ones.
            List<Candidate> specific = new ArrayList<>();
            List<Candidate> common = new ArrayList<>();
            for (Draft d : drafts) {
                boolean isPublic = d.exportTo().contains(HostVisibility.PUBLIC);
                if (!isPublic && !d.exportTo().contains(clientNs)) {
                    continue;
                }
                Set<Integer> ports = visibility.importedPorts(d.namespace(), HostName.of(d.host()), d.ports());
                if (ports == null) {
                    continue;
                }
                (isPublic ? common : specific).add(new Candidate(d, ports));
            }
            Map<String, List<Candidate>> byHost = new LinkedHashMap<>();
            for (List<Candidate> list : List.of(specific, common)) {
                for (Candidate c : list) {
                    byHost.computeIfAbsent(c.draft().host(), k -> new ArrayList<>()).add(c);
                }
            }
            List<Map.Entry<Integer, MeshService>> out = new ArrayList<>();
            for (Map.Entry<String, List<Candidate>> entry : byHost.entrySet()) {
                String host = entry.getKey();
                List<Candidate> candidates = entry.getValue();
                Set<String> namespaces = new LinkedHashSet<>();
                candidates.forEach(c -> namespaces.add(c.draft().namespace()));
                String namespace = namespaces.contains(clientNs) ? clientNs : namespaces.iterator().next();
                if (namespaces.size() > 1) {
                    warnings.add("host " + host + " is defined in namespaces " + namespaces + ", all visible to"
                            + " namespace " + clientNs + "; the client uses the one in " + namespace
                            + " (Istio: the client's own namespace first, else the first found)");
                }
                List<Candidate> inNamespace = new ArrayList<>(candidates.stream()
                        .filter(c -> c.draft().namespace().equals(namespace)).toList());
                // Istio: a Kubernetes Service takes precedence over ServiceEntries for its host (no "domain
                // squatting"); their endpoints still join its own, by port name.
                Optional<Candidate> kubernetes = inNamespace.stream().filter(c -> c.draft().kubernetes()).findFirst();
                kubernetes.ifPresent(k -> {
                    inNamespace.remove(k);
                    inNamespace.add(0, k);
                });
                Draft base = inNamespace.get(0).draft();
                List<ServicePortSpec> ports = new ArrayList<>(imported(inNamespace.get(0)));
                for (Candidate c : inNamespace.subList(1, inNamespace.size())) {
                    if (base.kubernetes()) {
                        break;
                    }
                    List<ServicePortSpec> more = imported(c);
                    if (more.equals(ports)) {
                        continue;
                    }
                    if (!base.canMergeWith(c.draft())) {
                        warnings.add("ServiceEntry " + c.draft().key() + ": its ports for host " + host
                                + " are ignored: resolution, exportTo, workloadSelector or labels differ from "
                                + base.key() + ", which defines the service");
                        continue;
                    }
                    for (ServicePortSpec p : more) {
                        if (ports.stream().noneMatch(q -> q.number() == p.number())) {
                            ports.add(p);
                        }
                    }
                }
                Map<String, List<Endpoint>> endpoints = endpointsByNamespaceHost.get(namespace + "/" + host);
                Map<Integer, List<Endpoint>> byPort = new LinkedHashMap<>();
                for (ServicePortSpec p : ports) {
                    List<Endpoint> list = endpoints.get(p.name());
                    if (list != null && !list.isEmpty()) {
                        byPort.put(p.number(), list);
                    }
                }
                if (base.kubernetes() && byPort.isEmpty() && base.resolution() == Resolution.STATIC) {
                    warnings.add("Kubernetes Service " + base.key() + " has no ready endpoints in the config (no"
                            + " EndpointSlice, Endpoints, selected Pod with an address or ServiceEntry endpoint);"
                            + " requests to " + host + " fail with 503");
                }
                MeshService service = new MeshService(names.apply(host), namespace, ports, base.location(),
                        base.resolution(), base.exportTo(), base.subjectAltNames(), base.addresses(),
                        names.apply(base.key()), EndpointTable.of(byPort));
                out.add(Map.entry(base.order(), service));
            }
            out.sort(Map.Entry.comparingByKey());
            return out.stream().map(Map.Entry::getValue).toList();
        }

        private static List<ServicePortSpec> imported(Candidate c) {
            return c.draft().ports().stream().filter(p -> c.ports().contains(p.number())).toList();
        }

        // ---- Subsets ----

        /**
         * Fills each service's subset cache with the subsets of the DestinationRules for its host, so that a
         * request naming a subset never filters endpoints. Done for every rule, visible or not: it is cheap,
         * and which rule applies is the routing engine's decision.
         */
        private void precomputeSubsets(List<MeshService> visible) {
            Map<String, MeshService> byHost = new HashMap<>();
            visible.forEach(s -> byHost.put(s.host(), s));
            for (Resource<DestinationRule> r : config.<DestinationRule>resources(ResourceKind.DESTINATION_RULE)) {
                DestinationRule rule = r.spec();
                if (rule.host() == null || rule.subsets().isEmpty()) {
                    continue;
                }
                if (rule.host().isEmpty() || rule.host().equals(".")) {
                    continue;
                }
                HostName host = HostName.qualified(rule.host(), r.namespace(), options.domainSuffix());
                List<MeshService> targets;
                if (host.isWildcard()) {
                    targets = visible.stream().filter(s -> HostName.of(s.host()).subsetOf(host)).toList();
                } else {
                    MeshService s = byHost.get(host.toString());
                    targets = s == null ? List.of() : List.of(s);
                }
                for (MeshService s : targets) {
                    for (Subset subset : rule.subsets()) {
                        if (subset != null) {
                            s.endpointTable().precompute(subset.labels());
                        }
                    }
                }
            }
        }
    }
}
