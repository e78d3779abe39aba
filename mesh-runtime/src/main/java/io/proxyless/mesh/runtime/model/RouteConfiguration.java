package io.proxyless.mesh.runtime.model;

import io.proxyless.mesh.api.HostName;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Envoy's {@code RouteConfiguration}: the virtual hosts served on one listener port (istiod names the sidecar's
 * outbound route configuration after the port, {@code "9080"}).
 *
 * @param name         the configuration's name
 * @param port         the listener port it serves, or {@link #ANY_PORT}: the virtual hosts a request on any port
 *                     falls back to when its port's configuration does not name its host (the mesh's
 *                     port-less lookup of single-port services: {@code http://reviews/} reaches
 *                     {@code reviews:9080}; istiod has no such configuration)
 * @param virtualHosts the virtual hosts; no domain appears in two of them
 */
public record RouteConfiguration(String name, int port, List<VirtualHost> virtualHosts) {
    /** The port of the configuration that serves every port. */
    public static final int ANY_PORT = 0;

    public RouteConfiguration {
        Objects.requireNonNull(name, "name");
        if (virtualHosts instanceof VirtualHostDomains.Checked checked) {
            // Checked already: by a source's index of the configuration before, or as another configuration's.
            virtualHosts = checked.hosts;
        } else {
            virtualHosts = List.copyOf(virtualHosts);
            domainOwners(name, virtualHosts);
        }
    }

    public static RouteConfiguration of(String name, int port, List<VirtualHost> virtualHosts) {
        return new RouteConfiguration(name, port, virtualHosts);
    }

    /** The same virtual hosts served on {@code port}, taken as they are (their domains were checked). */
    public RouteConfiguration withPort(int port) {
        return new RouteConfiguration(name, port, new VirtualHostDomains.Checked(virtualHosts));
    }

    /**
     * This configuration without the virtual hosts {@code drop} holds (by identity), the others taken as they are (no
     * domain of theirs was in two of them, and still is not).
     */
    public RouteConfiguration without(java.util.Collection<VirtualHost> drop) {
        List<VirtualHost> kept = new java.util.ArrayList<>(virtualHosts.size());
        for (VirtualHost vh : virtualHosts) {
            if (drop.stream().noneMatch(d -> d == vh)) {
                kept.add(vh);
            }
        }
        return new RouteConfiguration(name, port, new VirtualHostDomains.Checked(List.copyOf(kept)));
    }

    /**
     * This configuration with the virtual hosts at the given positions replaced. A replacement with the name and
     * domains of the virtual host it replaces leaves every domain where it was, so the configuration is not
     * checked for domains in two virtual hosts again (at 10,000 virtual hosts that check was a sixth of a
     * one-route change); any other replacement is checked as {@link #of} checks.
     *
     * @param replaced virtual hosts by the position of the one each replaces
     */
    public RouteConfiguration withVirtualHosts(Map<Integer, VirtualHost> replaced) {
        List<VirtualHost> vhs = new ArrayList<>(virtualHosts);
        boolean sameDomains = true;
        for (Map.Entry<Integer, VirtualHost> e : replaced.entrySet()) {
            VirtualHost was = vhs.set(e.getKey(), e.getValue());
            sameDomains &= was.name().equals(e.getValue().name()) && was.domains().equals(e.getValue().domains());
        }
        return new RouteConfiguration(name, port,
                sameDomains ? new VirtualHostDomains.Checked(List.copyOf(vhs)) : vhs);
    }

    /**
     * Each domain of {@code virtualHosts} with the virtual host that has it: the one check that no domain appears in
     * two virtual hosts, for this record and for {@link VirtualHostDomains}, which keeps the map.
     *
     * @throws IllegalArgumentException naming the first domain, in order, that a virtual host repeats
     */
    static Map<HostName, VirtualHost> domainOwners(String name, List<VirtualHost> virtualHosts) {
        int domains = 0;
        for (VirtualHost vh : virtualHosts) {
            domains += vh.domains().size();
        }
        // Sized at once: a configuration of thousands of virtual hosts is built again on every route change.
        Map<HostName, VirtualHost> owners = new HashMap<>(domains * 4 / 3 + 16);
        for (VirtualHost vh : virtualHosts) {
            for (HostName domain : vh.domains()) {
                if (owners.putIfAbsent(domain, vh) != null) {
                    throw new IllegalArgumentException("route configuration " + name + ": domain " + domain
                            + " appears in more than one virtual host");
                }
            }
        }
        return owners;
    }
}
