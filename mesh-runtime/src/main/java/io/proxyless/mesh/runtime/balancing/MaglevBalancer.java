package io.proxyless.mesh.runtime.balancing;

import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Istio {@code consistentHash.maglev} (Envoy MAGLEV; Eisenbud et al., "Maglev: A Fast and Reliable Software
 * Network Load Balancer", NSDI 2016). Each endpoint has a pseudo-random permutation of the {@code tableSize}
 * slots ({@code offset + i·skip mod size}, from two hashes of its address); endpoints take turns claiming their
 * next free preferred slot until the table is full. Weights: in each round an endpoint claims a slot only if its
 * claims so far stay within its weight relative to the heaviest, so slot counts follow weights. A key belongs to
 * slot {@code hash mod tableSize}: one array read.
 */
final class MaglevBalancer extends HashBalancer {

    /** Seeds of the two independent hashes giving each endpoint's offset and skip. */
    private static final int OFFSET_SEED = 0;
    private static final int SKIP_SEED = 1;

    private final int[] owners;

    MaglevBalancer(IndexedEndpoints table, long tableSize) {
        super(table);
        int n = table.size();
        if (n == 0) {
            this.owners = new int[0];
            return;
        }
        int size = (int) tableSize;
        Integer[] order = byAuthority(table);
        long[] offset = new long[n];
        long[] skip = new long[n];
        long[] next = new long[n];
        long[] claimed = new long[n];
        double[] share = new double[n];
        for (int k = 0; k < n; k++) {
            String key = table.endpoint(order[k]).authority();
            long h1 = Hashing.murmur3_128(OFFSET_SEED)
                    .hashString(key, StandardCharsets.UTF_8).asLong();
            long h2 = Hashing.murmur3_128(SKIP_SEED)
                    .hashString(key, StandardCharsets.UTF_8).asLong();
            offset[k] = Long.remainderUnsigned(h1, size);
            skip[k] = Long.remainderUnsigned(h2, size - 1) + 1;
            share[k] = table.weight(order[k]) / table.maxWeight();
        }
        int[] slots = new int[size];
        Arrays.fill(slots, -1);
        int filled = 0;
        // The heaviest endpoint claims every round, so each round fills at least one slot.
        for (long round = 1; filled < size; round++) {
            for (int k = 0; k < n && filled < size; k++) {
                if (round * share[k] < claimed[k]) {
                    continue;
                }
                int slot = (int) ((offset[k] + skip[k] * next[k]) % size);
                while (slots[slot] != -1) {
                    next[k]++;
                    slot = (int) ((offset[k] + skip[k] * next[k]) % size);
                }
                slots[slot] = order[k];
                next[k]++;
                claimed[k]++;
                filled++;
            }
        }
        this.owners = slots;
    }

    @Override
    int slotCount() {
        return owners.length;
    }

    @Override
    int slotOf(long hash) {
        return (int) Long.remainderUnsigned(hash, owners.length);
    }

    @Override
    int ownerOf(int slot) {
        return owners[slot];
    }

    @Override
    public String name() {
        return "MAGLEV";
    }
}
