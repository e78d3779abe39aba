package io.proxyless.mesh.runtime.balancing;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import io.proxyless.mesh.runtime.registry.Endpoint;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Common part of the consistent-hash balancers: a table of slots built once from the cluster endpoints, each slot
 * owned by one endpoint; a key hashes to a slot, and the pick walks forward from it to the first slot whose owner
 * is among the candidates. Ejecting an endpoint therefore moves only the keys it owned, and they come back when it
 * does.
 *
 * <p>Retries do not avoid previous hosts: Istio does not install Envoy's previous_hosts predicate on routes to a
 * consistent-hash destination, so a retry goes to the same endpoint unless it was ejected. A request without a
 * hash key (header or cookie absent, ...) uses a random hash, as Envoy does, which is a weighted random pick.
 */
abstract class HashBalancer implements LoadBalancer {

    /** murmur3 is what Guava offers of good, fast 64-bit hashes; Envoy uses xxHash64 (see LoadBalancers). */
    static final HashFunction KEY_HASH = Hashing.murmur3_128();

    final IndexedEndpoints table;

    HashBalancer(IndexedEndpoints table) {
        this.table = table;
    }

    /** Number of slots; 0 when the cluster had no endpoints. */
    abstract int slotCount();

    /** The slot a hash lands on. */
    abstract int slotOf(long hash);

    /** Table index of the endpoint owning {@code slot}. */
    abstract int ownerOf(int slot);

    static long hash(String key) {
        return KEY_HASH.hashString(key, StandardCharsets.UTF_8).asLong();
    }

    @Override
    public final Endpoint pick(List<Endpoint> candidates, PickContext context) {
        if (candidates.isEmpty()) {
            return null;
        }
        RandomGenerator random = Candidates.random(context);
        int slots = slotCount();
        if (slots > 0) {
            long hash = context.hashKey() == null ? random.nextLong() : hash(context.hashKey());
            int start = slotOf(hash);
            int rejected = -1;
            // Bounded by the table: if no owner is a candidate (candidates foreign to this cluster), fall through.
            for (int step = 0; step < slots; step++) {
                int slot = start + step < slots ? start + step : start + step - slots;
                int owner = ownerOf(slot);
                if (owner == rejected) {
                    continue; // runs of one owner are common; check each run once
                }
                int position = Candidates.positionOf(candidates, table.endpoint(owner));
                if (position >= 0) {
                    return candidates.get(position);
                }
                rejected = owner;
            }
        }
        return candidates.get(random.nextInt(candidates.size()));
    }

    @Override
    public void onAttemptStart(Endpoint endpoint) {
        table.attemptStarted(endpoint);
    }

    @Override
    public void onAttemptEnd(Endpoint endpoint) {
        table.attemptEnded(endpoint);
    }

    @Override
    public int inFlight(Endpoint endpoint) {
        return table.inFlight(endpoint);
    }

    /** Table indexes ordered by authority, so a table does not depend on the order endpoints were listed in. */
    static Integer[] byAuthority(IndexedEndpoints table) {
        Integer[] order = new Integer[table.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> {
            int c = table.endpoint(a).authority().compareTo(table.endpoint(b).authority());
            return c != 0 ? c : Integer.compare(a, b);
        });
        return order;
    }
}
