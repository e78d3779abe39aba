package io.proxyless.mesh.runtime.routing;

import io.proxyless.mesh.api.HostName;
import io.proxyless.mesh.runtime.model.ClusterWeight;
import io.proxyless.mesh.runtime.model.MirrorPolicy;
import io.proxyless.mesh.runtime.model.Route;
import io.proxyless.mesh.runtime.model.RouteConfiguration;
import io.proxyless.mesh.runtime.model.VirtualHost;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The request path's host tables of a route model: one per route configuration, its virtual hosts' domains as
 * exact names, {@code *.suffix} wildcards (longest first) and {@code *}, each pointing at the virtual host's
 * compiled routes with their clusters resolved against the snapshot's clusters.
 *
 * <p>Consecutive routes written from the same Istio {@code http[i]} (istiod writes one Envoy route per match
 * block, all with the same action) become one {@link CompiledRoute} with one matcher per block, so that a decision
 * names the VirtualService route and the block that matched, as Istio's tooling does.
 */
final class RouteTables {
    private final Map<String, Cluster> clusters;
    private final Map<String, Missing> missing;
    private final List<String> warnings;
    private final Map<Integer, PortTable> tablesBefore;
    // The compiled routes of the snapshot in force by (routes, origin), gathered from its tables when a virtual host
    // is not found at its place in them (a table whose virtual hosts came or went): most changes never need it.
    private Map<RoutesKey, List<CompiledRoute>> before;
    // The clusters of the snapshot in force that this one does not carry over: routes sending or mirroring to one
    // of them are compiled again.
    private final Set<Cluster> replaced = Collections.newSetFromMap(new IdentityHashMap<>());
    // The same, as an array when there are only a few.
    private final Cluster[] replacedFew;
    // Virtual hosts with the same routes and origin (a port's routes that also serve port-less lookups,
    // RouteConfiguration.ANY_PORT) share one compiled list: those compiled or looked up by this compilation.
    private final Map<RoutesKey, List<CompiledRoute>> compiled = new HashMap<>();
    private final Map<Integer, PortTable> tables = new HashMap<>();
    // The compiled forms of equal model values (matches, retry policies) of this compilation, shared by its routes.
    private final Map<Object, Object> compiledValues = new HashMap<>();

    /**
     * @param clusters the snapshot's clusters by name (routes to a name not in it are refused with 503)
     * @param missing  what a cluster that routes name but {@code clusters} lacks stood for, and why it is missing,
     *                 when the source knows (unknown host or subset); by cluster name
     * @param warnings where to report what the tables cannot hold
     * @param previous the snapshot in force, or null: routes it compiled from the same model routes, to the same
     *                 compiled clusters, are reused, and so are the entries of its host tables that still hold
     *                 (incremental compile)
     * @param replaced the clusters of {@code previous} that {@code clusters} does not hold as they are, when the
     *                 caller knows them; null to find them here
     */
    RouteTables(Map<String, Cluster> clusters, Map<String, Missing> missing, List<String> warnings,
                CompiledMesh previous, Set<Cluster> replaced) {
        this.clusters = clusters;
        this.missing = missing;
        this.warnings = warnings;
        this.tablesBefore = previous == null ? Map.of() : previous.portTables();
        if (replaced != null) {
            this.replaced.addAll(replaced);
        } else if (previous != null) {
            previous.clusters().forEach((name, c) -> {
                if (clusters.get(name) != c) {
                    this.replaced.add(c);
                }
            });
        }
        this.replacedFew = this.replaced.size() <= 4 ? this.replaced.toArray(new Cluster[0]) : null;
    }

    /** What each route configuration compiled so far compiled to, by port. */
    Map<Integer, PortTable> portTables() {
        return java.util.Collections.unmodifiableMap(tables);
    }

    /**
     * A destination without cluster: the service it names and why it has none.
     *
     * @param host    FQDN
     * @param subset  subset, or null
     * @param port    the destination's port, or null
     * @param problem why there is no cluster (unknown host or subset)
     */
    record Missing(String host, String subset, Integer port, String problem) {
    }

    /**
     * A virtual host's routes (by value) and origin: what its compiled routes depend on, besides clusters. Its
     * hash is the origin's and the number of routes, not the routes': origins are distinct per virtual host but for
     * one VirtualService serving several hosts, and hashing every route of every virtual host was most of the cost
     * of a one-service change; equal keys still compare the routes.
     */
    record RoutesKey(List<Route> routes, String origin) {
        @Override
        public boolean equals(Object o) {
            return o instanceof RoutesKey k && origin.equals(k.origin) && routes.equals(k.routes);
        }

        @Override
        public int hashCode() {
            return origin.hashCode() * 31 + routes.size();
        }
    }

    /**
     * What one route configuration compiled to, kept in the snapshot for the next compilation: the configuration,
     * its virtual hosts' entries (by position), the table, what building it warned about and how many of its entries
     * have a route sending or mirroring to no cluster (a name the snapshot lacked): while there are none and no
     * cluster was replaced, every entry's compiled routes still hold, without reading them.
     */
    record PortTable(RouteConfiguration source, List<RoutesKey> keys, List<HostEntry> entries, HostTable table,
                     List<String> warnings, int unresolved) {
    }

    /**
     * The host table of one route configuration. When the snapshot in force compiled a configuration for the same
     * port with the same virtual hosts' domains, its table carries over with only the entries of virtual hosts
     * whose routes changed replaced (and their shards copied); otherwise it is built anew.
     */
    HostTable hostTable(RouteConfiguration rc) {
        List<VirtualHost> vhs = rc.virtualHosts();
        PortTable old = tablesBefore.get(rc.port());
        boolean sameDomains = old != null && old.source().virtualHosts().size() == vhs.size()
                && old.source().name().equals(rc.name());
        // The virtual hosts are where they were (as many, the same configuration): each is compared with the one at
        // its place only.
        boolean aligned = sameDomains;
        // No cluster replaced and every route of the table in force resolved: its compiled routes all point at
        // clusters of this snapshot, so a virtual host with the same routes keeps them without its routes being read
        // (a route change at 10,000 services replaces no cluster; reading every host's routes was a fifth of it).
        boolean allHold = sameDomains && replaced.isEmpty() && old.unresolved() == 0;
        List<RoutesKey> keys = new ArrayList<>(vhs.size());
        List<HostEntry> entries = new ArrayList<>(vhs.size());
        List<Integer> changed = new ArrayList<>();
        for (int i = 0; i < vhs.size(); i++) {
            VirtualHost vh = vhs.get(i);
            VirtualHost oldVh = sameDomains ? old.source().virtualHosts().get(i) : null;
            HostEntry oldEntry = sameDomains ? old.entries().get(i) : null;
            // A source that kept what did not change (xDS, and files through the interned model) hands over the very
            // virtual host again: its key and compiled routes are the previous ones, with nothing to hash or compare.
            RoutesKey key = oldVh == vh ? old.keys().get(i) : new RoutesKey(vh.routes(),
                    vh.origin() != null ? vh.origin() : "virtual host " + vh.name());
            String origin = key.origin();
            List<CompiledRoute> routes = null;
            if (oldVh != null && (oldVh == vh || key.equals(old.keys().get(i)))
                    && (allHold || reusable(oldEntry.routes()))) {
                // The routes at this place compiled from the same routes and origin, to clusters still in force:
                // taken without a lookup (a one-service change walks 10,000 of these per table).
                routes = oldEntry.routes();
            }
            if (routes == null) {
                routes = compiled.get(key);
            }
            if (routes == null) {
                // In a table whose virtual hosts stayed in their places, one whose routes changed has new routes: the
                // snapshot in force is searched for them only when virtual hosts came, went or moved.
                List<CompiledRoute> earlier = aligned ? null : before().get(key);
                routes = reusable(earlier) ? earlier : routes(vh, origin);
                compiled.put(key, routes);
            }
            keys.add(key);
            if (oldVh != null && oldVh != vh
                    && (!oldVh.domains().equals(vh.domains()) || !oldVh.name().equals(vh.name()))) {
                sameDomains = false;
            }
            if (oldEntry != null && sameDomains && oldEntry.routes() == routes && oldEntry.origin().equals(origin)) {
                entries.add(oldEntry);
            } else {
                entries.add(new HostEntry(hostOf(vh), routes, origin));
                changed.add(i);
            }
        }
        PortTable table = sameDomains && changed.isEmpty() && old.source() == rc ? old
                : sameDomains ? update(old, rc, keys, entries, changed) : build(rc, keys, entries);
        tables.put(rc.port(), table);
        warnings.addAll(table.warnings());
        return table.table();
    }

    /** The compiled routes of the snapshot in force by (routes, origin), gathered from its tables once. */
    private Map<RoutesKey, List<CompiledRoute>> before() {
        if (before == null) {
            Map<RoutesKey, List<CompiledRoute>> found = new HashMap<>();
            for (PortTable t : tablesBefore.values()) {
                for (int i = 0; i < t.keys().size(); i++) {
                    found.putIfAbsent(t.keys().get(i), t.entries().get(i).routes());
                }
            }
            before = found;
        }
        return before;
    }

    /** The name of a virtual host's entry: its first exact domain (normalized), else its first domain. */
    private static String hostOf(VirtualHost vh) {
        for (HostName d : vh.domains()) {
            String name = d.toString();
            if (!name.startsWith("*")) {
                return HostName.normalize(name);
            }
        }
        return vh.domains().get(0).toString();
    }

    /**
     * {@code old}'s table with the entries at {@code changed} replaced (the domains are the same, so every name
     * keeps its owner); a full build when a changed virtual host has a wildcard domain or many changed.
     */
    private PortTable update(PortTable old, RouteConfiguration rc, List<RoutesKey> keys, List<HostEntry> entries,
                             List<Integer> changed) {
        if (changed.size() > Math.max(16, entries.size() / 4)) {
            return build(rc, keys, entries);
        }
        Map<String, HostEntry> replaced = new HashMap<>();
        for (int i : changed) {
            HostEntry before = old.entries().get(i);
            for (HostName d : rc.virtualHosts().get(i).domains()) {
                String name = d.toString();
                if (name.contains("*")) {
                    return build(rc, keys, entries);
                }
                String normal = HostName.normalize(name);
                if (old.table().exact(normal) == before) {
                    replaced.put(normal, entries.get(i));
                }
            }
        }
        int unresolved = old.unresolved();
        for (int i : changed) {
            if (unresolved(old.entries().get(i).routes())) {
                unresolved--;
            }
            if (unresolved(entries.get(i).routes())) {
                unresolved++;
            }
        }
        return new PortTable(rc, List.copyOf(keys), List.copyOf(entries), old.table().withExact(replaced),
                old.warnings(), unresolved);
    }

    private PortTable build(RouteConfiguration rc, List<RoutesKey> keys, List<HostEntry> entries) {
        Map<String, HostEntry> exact = new HashMap<>();
        List<Map.Entry<String, HostEntry>> wildcards = new ArrayList<>();
        List<String> found = new ArrayList<>();
        HostEntry any = null;
        int unresolved = 0;
        for (int i = 0; i < entries.size(); i++) {
            VirtualHost vh = rc.virtualHosts().get(i);
            HostEntry entry = entries.get(i);
            if (unresolved(entry.routes())) {
                unresolved++;
            }
            for (HostName domain : vh.domains()) {
                String d = domain.toString();
                if (d.equals("*")) {
                    any = any == null ? entry : any;
                } else if (d.startsWith("*.")) {
                    wildcards.add(Map.entry(d.substring(1), entry));
                } else if (d.startsWith("*") || d.endsWith("*")) {
                    found.add("route configuration " + rc.name() + ": domain " + d + " of virtual host "
                            + vh.name() + " is not supported (only exact names, *.suffix and *)");
                } else {
                    exact.putIfAbsent(HostName.normalize(d), entry);
                }
            }
        }
        wildcards.sort(Comparator.comparingInt((Map.Entry<String, HostEntry> w) -> w.getKey().length()).reversed());
        return new PortTable(rc, List.copyOf(keys), List.copyOf(entries), new HostTable(exact, wildcards, any),
                List.copyOf(found), unresolved);
    }

    /** Whether one of {@code routes} sends or mirrors to no cluster (a name the snapshot lacked). */
    private static boolean unresolved(List<CompiledRoute> routes) {
        for (CompiledRoute r : routes) {
            for (WeightedDestination d : r.destinations()) {
                if (d.cluster() == null) {
                    return true;
                }
            }
            for (Mirror m : r.mirrors()) {
                if (m.cluster() == null) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Whether routes the previous snapshot compiled from the same model routes still hold: every cluster they send
     * or mirror to is the very cluster of this snapshot (an unchanged cluster carries over as the same object), so
     * nothing they point at changed. The clusters they point at are the previous snapshot's, so it is enough that
     * none of them was replaced.
     */
    private boolean reusable(List<CompiledRoute> compiledBefore) {
        if (compiledBefore == null) {
            return false;
        }
        // Indexed, not iterated: this runs for every virtual host of a one-service change.
        for (int i = 0; i < compiledBefore.size(); i++) {
            CompiledRoute r = compiledBefore.get(i);
            List<WeightedDestination> destinations = r.destinations();
            for (int j = 0; j < destinations.size(); j++) {
                Cluster c = destinations.get(j).cluster();
                if (c == null || wasReplaced(c)) {
                    return false;
                }
            }
            List<Mirror> mirrors = r.mirrors();
            for (int j = 0; j < mirrors.size(); j++) {
                Cluster c = mirrors.get(j).cluster();
                if (c == null || wasReplaced(c)) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Whether {@code cluster} is one of the clusters replaced. A one-service change replaces one or two: compared
     * by reference, so that the clusters of 10,000 unchanged routes are not each read for an identity hash.
     */
    private boolean wasReplaced(Cluster cluster) {
        if (replacedFew != null) {
            for (Cluster c : replacedFew) {
                if (c == cluster) {
                    return true;
                }
            }
            return false;
        }
        return replaced.contains(cluster);
    }

    private List<CompiledRoute> routes(VirtualHost vh, String origin) {
        List<CompiledRoute> out = new ArrayList<>(vh.routes().size());
        List<Route> routes = vh.routes();
        int i = 0;
        while (i < routes.size()) {
            int end = i + 1;
            Route first = routes.get(i);
            while (first.virtualService() != null && end < routes.size()
                    && first.virtualService().equals(routes.get(end).virtualService())
                    && first.httpIndex() == routes.get(end).httpIndex()) {
                end++;
            }
            out.add(compile(routes.subList(i, end), origin, out.size()));
            i = end;
        }
        return List.copyOf(out);
    }

    private CompiledRoute compile(List<Route> blocks, String origin, int position) {
        io.proxyless.mesh.runtime.model.RouteAction action = blocks.get(0).routeAction();
        List<WeightedDestination> destinations = new ArrayList<>();
        List<Mirror> mirrors = new ArrayList<>();
        if (action != null) {
            for (ClusterWeight w : action.clusters()) {
                destinations.add(destination(w));
            }
            for (MirrorPolicy m : action.mirrors()) {
                if (m.percentage() > 0) {
                    Cluster c = clusters.get(m.cluster());
                    mirrors.add(new Mirror(c != null ? c.host() : m.cluster(), c == null ? null : c.subset(),
                            c == null || c.port() == 0 ? null : c.port(), m.percentage(), c));
                }
            }
        }
        return CompiledRoute.of(blocks, origin, position, destinations, mirrors, compiledValues);
    }

    private WeightedDestination destination(ClusterWeight w) {
        Cluster c = clusters.get(w.cluster());
        HeaderOps request = HeaderOps.of(w.requestHeaders(), w.hostRewrite());
        HeaderOps response = HeaderOps.of(w.responseHeaders(), null);
        if (c == null) {
            Missing m = missing.get(w.cluster());
            if (m != null) {
                return new WeightedDestination(m.host(), m.subset(), m.port(), w.weight(), null, m.problem(), request,
                        response);
            }
            return new WeightedDestination(w.cluster(), null, null, w.weight(), null,
                    "cluster not found: " + w.cluster() + " is not a cluster of this config", request, response);
        }
        return new WeightedDestination(c.host(), c.subset(), c.port() == 0 ? null : c.port(), w.weight(), c, null,
                request, response);
    }
}
