package io.proxyless.mesh.runtime.model;

import io.proxyless.mesh.api.HostName;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;
import java.util.Set;

/**
 * The domains of one route configuration's virtual hosts, each with the virtual host that has it, kept by a source
 * that builds the configuration again with a few virtual hosts changed (an xDS route configuration sent again when
 * one service's routes change): the next version's domains are checked for duplicates only where its virtual
 * hosts differ, by identity, from those at the same places in the version before, against this index of the
 * others, instead of hashing every domain of thousands of virtual hosts again. A version with virtual hosts added or
 * removed is checked in full, and the index made again from it.
 *
 * <p>Not thread-safe: one source's thread owns it. It is not part of any configuration or snapshot.
 */
public final class VirtualHostDomains {
    private List<VirtualHost> hosts = List.of();
    private Map<HostName, VirtualHost> owners = Map.of();

    /** An index of no configuration yet: the first one is checked in full. */
    public VirtualHostDomains() {
    }

    /**
     * A route configuration of {@code virtualHosts}, whose domains are checked as {@link RouteConfiguration} checks
     * them; this index then describes it.
     *
     * @throws IllegalArgumentException when a domain appears in more than one virtual host, as
     *                                  {@link RouteConfiguration#of} throws it; this index stays as it was
     */
    public RouteConfiguration configuration(String name, int port, List<VirtualHost> virtualHosts) {
        List<VirtualHost> next = List.copyOf(virtualHosts);
        List<Integer> changed = changed(next);
        Map<HostName, VirtualHost> added = changed == null ? null : added(changed, next);
        if (added == null) {
            // In full, by RouteConfiguration's own check, whose map of domains this index keeps.
            owners = RouteConfiguration.domainOwners(name, next);
        } else if (!changed.isEmpty()) {
            for (int i : changed) {
                VirtualHost before = hosts.get(i);
                for (HostName domain : before.domains()) {
                    if (owners.get(domain) == before) {
                        owners.remove(domain);
                    }
                }
            }
            owners.putAll(added);
        }
        hosts = next;
        return new RouteConfiguration(name, port, new Checked(next));
    }

    /**
     * The domains of the virtual hosts at {@code changed} in {@code next}, each with its virtual host, or null when
     * one of them is in two virtual hosts: two changed ones, or a changed one and one that stays. The virtual hosts
     * the changed ones replace let go of their domains.
     */
    private Map<HostName, VirtualHost> added(List<Integer> changed, List<VirtualHost> next) {
        Set<VirtualHost> replaced = Collections.newSetFromMap(new IdentityHashMap<>());
        changed.forEach(i -> replaced.add(hosts.get(i)));
        Map<HostName, VirtualHost> added = new HashMap<>();
        for (int i : changed) {
            VirtualHost vh = next.get(i);
            for (HostName domain : vh.domains()) {
                VirtualHost owner = owners.get(domain);
                if (owner != null && !replaced.contains(owner) || added.putIfAbsent(domain, vh) != null) {
                    return null;
                }
            }
        }
        return added;
    }

    /**
     * The places where {@code next} has another virtual host than the configuration before, or null when it is
     * better checked in full: another number of virtual hosts, or many changed.
     */
    private List<Integer> changed(List<VirtualHost> next) {
        if (next.size() != hosts.size()) {
            return null;
        }
        List<Integer> changed = new ArrayList<>();
        for (int i = 0; i < next.size(); i++) {
            if (next.get(i) != hosts.get(i)) {
                if (changed.size() > 16 + next.size() / 8) {
                    return null;
                }
                changed.add(i);
            }
        }
        return changed;
    }

    /**
     * Virtual hosts whose domains were checked (an immutable list): {@link RouteConfiguration} takes them as they
     * are. Only this index and a configuration's own virtual hosts make one.
     */
    static final class Checked extends AbstractList<VirtualHost> implements RandomAccess {
        final List<VirtualHost> hosts;

        Checked(List<VirtualHost> hosts) {
            this.hosts = hosts;
        }

        @Override
        public VirtualHost get(int index) {
            return hosts.get(index);
        }

        @Override
        public int size() {
            return hosts.size();
        }
    }
}
