package io.proxyless.mesh.runtime.routing;

import io.proxyless.mesh.api.HostName;
import java.util.List;
import java.util.Map;

/**
 * The host entries of one lookup scope (every port for Istio config, one listener port for the route model):
 * exact names and short-name aliases in one map, wildcard suffixes longest first, and an optional {@code *}
 * default. A lookup normalizes the requested host once ({@link HostName#normalize}, which allocates nothing for a
 * name already in normal form) and reads the map; only a miss walks the wildcards.
 *
 * @param exact     entries by normalized name (FQDNs and aliases)
 * @param wildcards {@code *.example.com} entries as {@code .example.com} suffixes, longest first
 * @param any       the entry of domain {@code *}, or null
 */
record HostTable(Map<String, HostEntry> exact, List<Map.Entry<String, HostEntry>> wildcards, HostEntry any) {

    static final HostTable EMPTY = new HostTable(Map.of(), List.of(), null);

    HostTable {
        exact = Map.copyOf(exact);
        wildcards = List.copyOf(wildcards);
    }

    /** The entry for {@code host}: exact or alias, then the longest wildcard, then {@code *}; null when none. */
    HostEntry entry(String host) {
        HostEntry e = exactOrAlias(host);
        if (e != null || nameless(host)) {
            return e;
        }
        String name = HostName.normalize(host);
        for (int i = 0; i < wildcards.size(); i++) {
            Map.Entry<String, HostEntry> w = wildcards.get(i);
            // Stored as ".example.com" for "*.example.com", longest first: the longest wildcard wins.
            if (name.endsWith(w.getKey()) && name.length() > w.getKey().length()) {
                return w.getValue();
            }
        }
        return any;
    }

    /** The entry of a host or of one of its short forms; an absolute name ({@code reviews.}) is never a short form. */
    HostEntry exactOrAlias(String host) {
        if (nameless(host)) {
            return null;
        }
        String name = HostName.normalize(host);
        HostEntry e = exact.get(name);
        return e != null && (!HostName.isAbsolute(host) || e.host().equals(name)) ? e : null;
    }

    /** Nothing of {@code host} is left to look up; such a request can only pass through (or be refused). */
    static boolean nameless(String host) {
        return host.isEmpty() || host.equals(".");
    }
}
