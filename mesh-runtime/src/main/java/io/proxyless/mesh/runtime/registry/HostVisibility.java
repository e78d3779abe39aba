package io.proxyless.mesh.runtime.registry;

import io.proxyless.mesh.api.HostName;
import io.proxyless.mesh.api.IstioEgressListener;
import io.proxyless.mesh.api.SidecarPort;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Which config a client can see, by Istio's two filters: the resource's {@code exportTo} and the client's
 * Sidecar {@code egress.hosts}. The {@link ServiceRegistry} applies it to ServiceEntries; the routing engine
 * reuses it for VirtualServices and DestinationRules, which Istio filters the same way.
 *
 * <pre>{@code
 * HostVisibility v = registry.visibility();
 * if (v.visible(vsNamespace, vs.exportTo(), "reviews.shop.svc.cluster.local")) { ... }
 * }</pre>
 *
 * <p><b>exportTo</b> ({@code PushContext.IsServiceVisible}): unset means {@code *} (Istio's mesh default);
 * {@code *} exports to every namespace; otherwise {@code ~} exports to none (not even the resource's own
 * namespace); otherwise {@code .} is the resource's own namespace and other entries are namespace names.
 *
 * <p><b>Sidecar egress hosts</b> ({@code sidecar.go}, Istio 1.31): each entry is {@code namespace/dnsName}.
 * The namespace is that of the <em>config</em> (the ServiceEntry or VirtualService), {@code *} for any,
 * {@code .} for the client's own namespace (also in a root-namespace Sidecar applied to another namespace).
 * A {@code ~} prefix makes the entry an exclusion ({@code ~ns/host}; a bare {@code ~} means every namespace,
 * so {@code ~/*} hides everything, which is also what it meant before Istio 1.31, when {@code ~} was "no
 * namespace"). dnsName is {@code *}, an exact FQDN or a {@code *.suffix} wildcard, compared as written.
 * Short names ({@code ./reviews}) are rejected by Istio's validation ("short names (non FQDN) are not
 * allowed"); should one reach this class anyway, it is not expanded and a warning says so.
 * A service is imported when some entry for its namespace or for {@code *} covers its host
 * ({@code host.Name.SubsetOf}: <code>&#42;/*.example.com</code> imports {@code a.example.com} and
 * {@code *.example.com}, <code>&#42;/a.example.com</code> does not import {@code *.example.com}) and no exclusion covers
 * it. VirtualService hosts are matched both ways ({@code host.Name.Matches}), as Istio does for
 * non-Gateway-API VirtualServices. Without a Sidecar, everything is imported (<code>&#42;/*</code>).
 *
 * <p>An egress listener with a port (other than {@code HTTP_PROXY}) imports only services having that port,
 * and only that port of them; listeners without a port import all ports.
 */
public final class HostVisibility {
    /** {@code exportTo: *} and the egress namespace wildcard. */
    public static final String PUBLIC = "*";
    /** {@code exportTo: .}: the resource's own namespace. */
    public static final String PRIVATE = ".";
    /** {@code exportTo: ~}: no namespace. */
    public static final String NONE = "~";

    private final String clientNamespace;
    private final List<Listener> listeners;

    private HostVisibility(String clientNamespace, List<Listener> listeners) {
        this.clientNamespace = clientNamespace;
        this.listeners = List.copyOf(listeners);
    }

    /** What a client sees without any Sidecar: every exported host (<code>egress: [{hosts: ["&#42;/*"]}]</code>). */
    public static HostVisibility importAll(String clientNamespace) {
        return of(clientNamespace, List.of(IstioEgressListener.of(List.of("*/*"))), w -> { });
    }

    /**
     * The visibility given by a Sidecar's {@code egress} listeners for a client in {@code clientNamespace};
     * no listeners means <code>&#42;/*</code>. Malformed or doubtful hosts are reported to {@code warnings}.
     */
    public static HostVisibility of(String clientNamespace, List<IstioEgressListener> egress,
                                    Consumer<String> warnings) {
        Objects.requireNonNull(clientNamespace, "clientNamespace");
        if (egress == null || egress.isEmpty()) {
            return importAll(clientNamespace);
        }
        List<Listener> listeners = new ArrayList<>();
        for (IstioEgressListener l : egress) {
            if (l != null) {
                listeners.add(Listener.parse(l, clientNamespace, warnings));
            }
        }
        return new HostVisibility(clientNamespace, listeners);
    }

    public String clientNamespace() {
        return clientNamespace;
    }

    /**
     * Whether a resource in {@code resourceNamespace} with this {@code exportTo} is exported to the client's
     * namespace. Works for ServiceEntries, VirtualServices and DestinationRules alike.
     */
    public boolean exported(String resourceNamespace, List<String> exportTo) {
        Set<String> set = normalizeExportTo(resourceNamespace, exportTo);
        return set.contains(PUBLIC) || set.contains(clientNamespace);
    }

    /**
     * Whether the client's Sidecar egress hosts import {@code fqdnHost} (a fully qualified, possibly wildcard,
     * host) from config in {@code resourceNamespace}, with VirtualService semantics (wildcards match both
     * ways). For a DestinationRule, Istio does not test its host against the egress hosts but picks the rules
     * of the services the client imports; test the DestinationRule's host against {@link ServiceRegistry#lookup}
     * or use this method as an approximation.
     */
    public boolean imported(String resourceNamespace, String fqdnHost) {
        HostName host = HostName.of(fqdnHost);
        for (Listener l : listeners) {
            if (l.excludes(resourceNamespace, host)) {
                continue;
            }
            if (l.importsLoosely(resourceNamespace, host)) {
                return true;
            }
        }
        return false;
    }

    /** {@link #exported} and {@link #imported}: the whole test Istio applies to a VirtualService host. */
    public boolean visible(String resourceNamespace, List<String> exportTo, String fqdnHost) {
        return exported(resourceNamespace, exportTo) && imported(resourceNamespace, fqdnHost);
    }

    /**
     * The ports of a service the egress listeners import, or null when they do not import the service at all
     * ({@code IstioEgressListenerWrapper.selectServices}).
     */
    Set<Integer> importedPorts(String namespace, HostName host, List<ServicePortSpec> ports) {
        Set<Integer> imported = new LinkedHashSet<>();
        boolean matched = false;
        for (Listener l : listeners) {
            if (l.excludes(namespace, host) || !l.imports(namespace, host)) {
                continue;
            }
            if (l.port == 0) {
                ports.forEach(p -> imported.add(p.number()));
                return imported;
            }
            for (ServicePortSpec p : ports) {
                if (p.number() == l.port) {
                    imported.add(p.number());
                    matched = true;
                }
            }
        }
        return matched ? imported : null;
    }

    /**
     * {@code exportTo} normalised: {@code {*}} when unset or containing {@code *}, else {@code {~}} when it
     * contains {@code ~}, else the namespaces named, {@code .} replaced by {@code namespace}.
     */
    static Set<String> normalizeExportTo(String namespace, List<String> exportTo) {
        if (exportTo == null || exportTo.isEmpty() || exportTo.contains(PUBLIC)) {
            return Set.of(PUBLIC);
        }
        if (exportTo.contains(NONE)) {
            return Set.of(NONE);
        }
        Set<String> out = new LinkedHashSet<>();
        for (String e : exportTo) {
            if (e != null) {
                out.add(e.equals(PRIVATE) ? namespace : e);
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "HostVisibility{client=" + clientNamespace + ", egress=" + listeners + "}";
    }

    /** One egress listener: its port (0 = any) and its hosts by config namespace. */
    private record Listener(int port, Map<String, Hosts> byNamespace, List<String> written) {
        static Listener parse(IstioEgressListener listener, String clientNamespace, Consumer<String> warnings) {
            Map<String, Hosts> byNamespace = new LinkedHashMap<>();
            for (String entry : listener.hosts()) {
                if (entry == null) {
                    continue;
                }
                int slash = entry.indexOf('/');
                if (slash < 0 || slash != entry.lastIndexOf('/')) {
                    // Istio logs and skips such a host (validation rejects it anyway).
                    warnings.accept("Sidecar egress host \"" + entry + "\" is not of the form namespace/dnsName;"
                            + " ignored");
                    continue;
                }
                String namespace = entry.substring(0, slash);
                String written = entry.substring(slash + 1);
                if (written.isEmpty() || written.equals(".")) {
                    warnings.accept("Sidecar egress host \"" + entry + "\" has no dnsName; ignored");
                    continue;
                }
                HostName name = HostName.of(written);
                boolean excluded = namespace.startsWith(NONE);
                if (excluded) {
                    namespace = namespace.substring(1);
                    if (namespace.isEmpty()) {
                        namespace = PUBLIC;
                    }
                }
                if (namespace.equals(PRIVATE)) {
                    namespace = clientNamespace;
                }
                if (!name.equals(HostName.ANY) && name.toString().indexOf('.') < 0) {
                    // Validation rejects this; a source that skipped validation gets the literal comparison.
                    warnings.accept("Sidecar egress host \"" + entry + "\" has a short name, which Istio does not"
                            + " allow; it is not expanded and only matches a host spelled \"" + name + "\"");
                }
                Hosts hosts = byNamespace.computeIfAbsent(namespace, k -> new Hosts());
                if (excluded) {
                    hosts.excluded.add(name);
                } else {
                    hosts.all.add(name);
                    if (!name.isWildcard()) {
                        hosts.exact.add(name);
                    }
                }
            }
            SidecarPort port = listener.port();
            int number = port == null || port.number() == null ? 0 : port.number();
            // An HTTP_PROXY listener is a generic egress proxy: it does not narrow services by port.
            if (port != null && port.protocol() != null && port.protocol().toUpperCase(Locale.ROOT).equals("HTTP_PROXY")) {
                number = 0;
            }
            return new Listener(number, byNamespace, listener.hosts());
        }

        boolean excludes(String namespace, HostName host) {
            Hosts own = byNamespace.get(namespace);
            Hosts any = byNamespace.get(PUBLIC);
            return (own != null && own.excludes(host)) || (any != null && any.excludes(host));
        }

        boolean imports(String namespace, HostName host) {
            Hosts own = byNamespace.get(namespace);
            Hosts any = byNamespace.get(PUBLIC);
            return (own != null && own.imports(host, false)) || (any != null && any.imports(host, false));
        }

        boolean importsLoosely(String namespace, HostName host) {
            Hosts own = byNamespace.get(namespace);
            Hosts any = byNamespace.get(PUBLIC);
            return (own != null && own.imports(host, true)) || (any != null && any.imports(host, true));
        }

        @Override
        public String toString() {
            return (port == 0 ? "" : port + ":") + written;
        }
    }

    /** Istio's {@code hostClassification}: the hosts one listener names for one namespace. */
    private static final class Hosts {
        final Set<HostName> exact = new HashSet<>();
        final List<HostName> all = new ArrayList<>();
        final List<HostName> excluded = new ArrayList<>();

        boolean excludes(HostName host) {
            for (HostName e : excluded) {
                if (host.subsetOf(e)) {
                    return true;
                }
            }
            return false;
        }

        /** {@code loose}: VirtualService matching (both ways); otherwise service matching (subset). */
        boolean imports(HostName host, boolean loose) {
            if (exact.contains(host)) {
                return true;
            }
            boolean hostWildcard = host.isWildcard();
            for (HostName imported : all) {
                // Two exact names were settled by the set lookup above.
                if (!hostWildcard && !imported.isWildcard()) {
                    continue;
                }
                if (loose ? host.matches(imported) : host.subsetOf(imported)) {
                    return true;
                }
            }
            return false;
        }
    }
}
