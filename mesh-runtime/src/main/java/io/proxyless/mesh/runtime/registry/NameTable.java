package io.proxyless.mesh.runtime.registry;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable map from names to values, split into shards by the name's hash, each an immutable map: a copy with a
 * few names changed ({@link #with}, {@link #withPut}) copies only the shards they fall in and shares the others.
 * The registry files its services under tens of thousands of names at 10,000 services, and the compiled host tables
 * hold as many; a one-service change replaces a few of them, and copying every table whole for it was a tenth of
 * the change.
 */
public final class NameTable<V> {
    /** Names per shard aimed at: small enough to copy for one change, one shard for small configs. */
    private static final int NAMES_PER_SHARD = 256;

    private final Map<String, V>[] shards;
    private final int mask;
    private final int size;

    private NameTable(Map<String, V>[] shards, int size) {
        this.shards = shards;
        this.mask = shards.length - 1;
        this.size = size;
    }

    @SuppressWarnings("unchecked")
    public static <V> NameTable<V> of(Map<String, V> names) {
        int count = Integer.highestOneBit(Math.max(1, names.size() / NAMES_PER_SHARD));
        List<Map<String, V>> building = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            building.add(new HashMap<>());
        }
        names.forEach((name, value) -> building.get(shard(name, count - 1)).put(name, value));
        Map<String, V>[] out = new Map[count];
        for (int i = 0; i < count; i++) {
            out[i] = Map.copyOf(building.get(i));
        }
        return new NameTable<>(out, names.size());
    }

    private static int shard(String name, int mask) {
        // Middle bits of a multiplicative hash, not the low bits a HashMap picks its buckets by: a shard's names
        // would fall into a few buckets of the map it is copied into (chains turned into trees on every change).
        return (name.hashCode() * 0x9E3779B9 >>> 16) & mask;
    }

    /** The value filed under {@code name}, or null. */
    public V get(String name) {
        return shards[shard(name, mask)].get(name);
    }

    public boolean containsKey(String name) {
        return shards[shard(name, mask)].containsKey(name);
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** Every value, once per name it is filed under. */
    public List<V> values() {
        List<V> out = new ArrayList<>(size);
        for (Map<String, V> shard : shards) {
            out.addAll(shard.values());
        }
        return out;
    }

    /**
     * This table with the names of {@code changes} filed under their new values (names already in it only, so the
     * size stays): the shards they fall in are copied, every other shard is shared with this table.
     */
    NameTable<V> with(Map<String, V> changes) {
        changes.keySet().forEach(name -> {
            if (!containsKey(name)) {
                throw new IllegalArgumentException("not in the table: " + name);
            }
        });
        return withPut(changes);
    }

    /**
     * This table with the names of {@code changes} filed under their values, new names added: the shards they fall
     * in are copied, every other shard is shared with this table.
     */
    public NameTable<V> withPut(Map<String, V> changes) {
        if (changes.isEmpty()) {
            return this;
        }
        Map<String, V>[] next = Arrays.copyOf(shards, shards.length);
        Map<Integer, Map<String, V>> touched = new HashMap<>();
        int[] added = {0};
        changes.forEach((name, value) -> {
            if (touched.computeIfAbsent(shard(name, mask), i -> new HashMap<>(shards[i])).put(name, value) == null) {
                added[0]++;
            }
        });
        touched.forEach((i, shard) -> next[i] = Map.copyOf(shard));
        return new NameTable<>(next, size + added[0]);
    }
}
