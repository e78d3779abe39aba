package io.proxyless.mesh.runtime.model;

import io.proxyless.mesh.api.HostName;
import java.util.List;
import java.util.Objects;

/**
 * Envoy's {@code VirtualHost}: the routes for a set of domains. Domains are host names without port, exactly as a
 * request may name the service (istiod lists the FQDN and its Kubernetes short forms:
 * {@code reviews.default.svc.cluster.local}, {@code reviews.default.svc}, {@code reviews.default}, and
 * {@code reviews} for clients in {@code default}), or a wildcard {@code *.example.com} / {@code *}. They are
 * {@link HostName}s, so case and a trailing dot were decided once, by the same rules as everywhere else.
 *
 * @param name    the virtual host's name (istiod: {@code HOST:PORT})
 * @param domains the domains it answers for, at least one
 * @param routes  its routes in order; the first that matches wins; empty: every request gets 404
 * @param origin  where the routes came from ({@code VirtualService ns/name}), or null for a default route
 */
public record VirtualHost(String name, List<HostName> domains, List<Route> routes, String origin) {
    public VirtualHost {
        Objects.requireNonNull(name, "name");
        domains = List.copyOf(domains);
        if (domains.isEmpty()) {
            throw new IllegalArgumentException("virtual host " + name + " has no domains");
        }
        routes = List.copyOf(routes);
    }

    /** A virtual host whose routes came from {@code origin} (e.g. {@code VirtualService default/reviews}). */
    public static VirtualHost of(String name, List<HostName> domains, List<Route> routes, String origin) {
        return new VirtualHost(name, domains, routes, origin);
    }

    /** A virtual host from a source that names no origin (xDS). */
    public static VirtualHost of(String name, List<HostName> domains, List<Route> routes) {
        return new VirtualHost(name, domains, routes, null);
    }

    /** True when {@code domain} is one of this virtual host's domains (compared as host names). */
    public boolean hasDomain(HostName domain) {
        return domains.contains(domain);
    }
}
