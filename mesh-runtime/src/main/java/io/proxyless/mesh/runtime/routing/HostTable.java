package io.proxyless.mesh.runtime.routing;

import io.proxyless.mesh.api.HostName;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The host entries of one lookup scope (every port for Istio config, one listener port for the route model):
 * exact names and short-name aliases in one map, wildcard suffixes longest first, and an optional {@code *}
 * default. A lookup normalizes the requested host once ({@link HostName#normalize}, which allocates nothing for a
 * name already in normal form) and reads the map; only a miss walks the wildcards.
 *
 * <p>The exact names are split into shards by hash, each an immutable map: a compilation that changes a few hosts
 * of a large table ({@link #withExact}) copies only the shards they fall in and shares the others with the table
 * in force, so a one-service change does not rebuild a table of ten thousand services.
 */
final class HostTable {
    static final HostTable EMPTY = new HostTable(Map.of(), List.of(), null);
    /** Names per shard a full build aims at: small enough to copy for one change, few shards for small configs. */
    private static final int NAMES_PER_SHARD = 256;

    private final Map<String, HostEntry>[] shards;
    private final int mask;
    private final List<Map.Entry<String, HostEntry>> wildcards;
    private final HostEntry any;

    /**
     * @param exact     entries by normalized name (FQDNs and aliases)
     * @param wildcards {@code *.example.com} entries as {@code .example.com} suffixes, longest first
     * @param any       the entry of domain {@code *}, or null
     */
    HostTable(Map<String, HostEntry> exact, List<Map.Entry<String, HostEntry>> wildcards, HostEntry any) {
        this(split(exact), List.copyOf(wildcards), any);
    }

    private HostTable(Map<String, HostEntry>[] shards, List<Map.Entry<String, HostEntry>> wildcards, HostEntry any) {
        this.shards = shards;
        this.mask = shards.length - 1;
        this.wildcards = wildcards;
        this.any = any;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, HostEntry>[] split(Map<String, HostEntry> exact) {
        int count = Integer.highestOneBit(Math.max(1, exact.size() / NAMES_PER_SHARD));
        List<Map<String, HostEntry>> building = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            building.add(new HashMap<>());
        }
        exact.forEach((name, entry) -> building.get(shard(name, count - 1)).put(name, entry));
        Map<String, HostEntry>[] out = new Map[count];
        for (int i = 0; i < count; i++) {
            out[i] = Map.copyOf(building.get(i));
        }
        return out;
    }

    private static int shard(String name, int mask) {
        // Middle bits of a multiplicative hash, not the low bits of the hash code: a HashMap picks its buckets by
        // those, so the names of one shard fell into a few buckets of the maps a shard is built and copied in
        // (chains turned into trees on every one-service change).
        return (name.hashCode() * 0x9E3779B9 >>> 16) & mask;
    }

    /**
     * This table with the exact names of {@code changes} pointing at their new entries: the shards they fall in are
     * copied, every other shard is shared with this table. Wildcards and {@code *} stay as they are.
     */
    HostTable withExact(Map<String, HostEntry> changes) {
        if (changes.isEmpty()) {
            return this;
        }
        Map<String, HostEntry>[] next = Arrays.copyOf(shards, shards.length);
        Map<Integer, Map<String, HostEntry>> touched = new HashMap<>();
        changes.forEach((name, entry) -> touched.computeIfAbsent(shard(name, mask), i -> new HashMap<>(shards[i]))
                .put(name, entry));
        touched.forEach((i, shard) -> next[i] = Map.copyOf(shard));
        return new HostTable(next, wildcards, any);
    }

    /** The entry of exactly {@code name} (normalized), aliases included; null when none. */
    HostEntry exact(String name) {
        return shards[shard(name, mask)].get(name);
    }

    /** Every exact name's entry, a host once per name it is reached by (for dumps and the CLI). */
    List<HostEntry> exactEntries() {
        List<HostEntry> out = new ArrayList<>();
        for (Map<String, HostEntry> shard : shards) {
            out.addAll(shard.values());
        }
        return out;
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
