package io.proxyless.mesh.runtime.registry;

import java.util.Locale;

/**
 * Istio's host-name comparisons ({@code pkg/config/host/name.go}), on names already lower-cased. A wildcard name
 * starts with {@code *}: {@code *.example.com} stands for any name ending in {@code .example.com} (any number of
 * labels in front, but not {@code example.com} itself), and {@code *} for every name.
 */
final class HostNames {
    private HostNames() {
    }

    static boolean isWildcard(String host) {
        return !host.isEmpty() && host.charAt(0) == '*';
    }

    /**
     * Lower-cases a host for comparison (DNS names and HTTP authorities are case-insensitive) and drops the
     * trailing dot of an absolute name: Istio also answers {@code reviews.shop.svc.cluster.local.} for
     * {@code reviews.shop.svc.cluster.local} (PILOT_ENABLE_ABSOLUTE_FQDN_VHOST_DOMAIN, on by default).
     */
    static String normalize(String host) {
        String h = host.trim().toLowerCase(Locale.ROOT);
        if (h.length() > 1 && h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        return h;
    }

    /**
     * Every name {@code name} stands for is also one {@code other} stands for ({@code host.Name.SubsetOf}):
     * {@code a.example.com ⊆ *.example.com ⊆ *.com ⊆ *}; {@code *.example.com} is not a subset of
     * {@code a.example.com}. This is how a Sidecar egress host imports a service.
     */
    static boolean subsetOf(String name, String other) {
        boolean nameWildcard = isWildcard(name);
        boolean otherWildcard = isWildcard(other);
        if (nameWildcard) {
            if (!otherWildcard || name.length() < other.length()) {
                return false;
            }
            return name.substring(1).endsWith(other.substring(1));
        }
        if (otherWildcard) {
            return name.endsWith(other.substring(1));
        }
        return name.equals(other);
    }

    /**
     * The two names have a name in common ({@code host.Name.Matches}): like {@link #subsetOf} but in both
     * directions, so {@code *.example.com} matches {@code a.example.com} and the other way round. Istio selects
     * VirtualServices for a sidecar with this looser test.
     */
    static boolean matches(String name, String other) {
        return subsetOf(name, other) || subsetOf(other, name);
    }
}
