package io.proxyless.mesh.runtime.routing;

import io.proxyless.mesh.api.HostName;
import io.proxyless.mesh.runtime.registry.NameTable;
import java.util.List;
import java.util.Map;

/**
 * The host entries of one lookup scope (every port for Istio config, one listener port for the route model):
 * exact names and short-name aliases in one map, wildcard suffixes longest first, and an optional {@code *}
 * default. A lookup normalizes the requested host once ({@link HostName#normalize}, which allocates nothing for a
 * name already in normal form) and reads the map; only a miss walks the wildcards.
 *
 * <p>The exact names are a {@link NameTable}, split into shards by hash: a compilation that changes a few hosts of
 * a large table ({@link #withExact}) copies only the shards they fall in and shares the others with the table in
 * force, so a one-service change does not rebuild a table of ten thousand services.
 */
final class HostTable {
    static final HostTable EMPTY = new HostTable(Map.of(), List.of(), null);

    private final NameTable<HostEntry> exact;
    private final List<Map.Entry<String, HostEntry>> wildcards;
    private final HostEntry any;

    /**
     * @param exact     entries by normalized name (FQDNs and aliases)
     * @param wildcards {@code *.example.com} entries as {@code .example.com} suffixes, longest first
     * @param any       the entry of domain {@code *}, or null
     */
    HostTable(Map<String, HostEntry> exact, List<Map.Entry<String, HostEntry>> wildcards, HostEntry any) {
        this(NameTable.of(exact), List.copyOf(wildcards), any);
    }

    private HostTable(NameTable<HostEntry> exact, List<Map.Entry<String, HostEntry>> wildcards, HostEntry any) {
        this.exact = exact;
        this.wildcards = wildcards;
        this.any = any;
    }

    /**
     * This table with the exact names of {@code changes} pointing at their new entries: the shards they fall in are
     * copied, every other shard is shared with this table. Wildcards and {@code *} stay as they are.
     */
    HostTable withExact(Map<String, HostEntry> changes) {
        return changes.isEmpty() ? this : new HostTable(exact.withPut(changes), wildcards, any);
    }

    /** The entry of exactly {@code name} (normalized), aliases included; null when none. */
    HostEntry exact(String name) {
        return exact.get(name);
    }

    /** Every exact name's entry, a host once per name it is reached by (for dumps and the CLI). */
    List<HostEntry> exactEntries() {
        return exact.values();
    }

    /** {@code *.example.com} entries as {@code .example.com} suffixes, longest first. */
    List<Map.Entry<String, HostEntry>> wildcards() {
        return wildcards;
    }

    /** The entry of domain {@code *}, or null. */
    HostEntry any() {
        return any;
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
        HostEntry e = exact(name);
        return e != null && (!HostName.isAbsolute(host) || e.host().equals(name)) ? e : null;
    }

    /** Nothing of {@code host} is left to look up; such a request can only pass through (or be refused). */
    static boolean nameless(String host) {
        return host.isEmpty() || host.equals(".");
    }
}
