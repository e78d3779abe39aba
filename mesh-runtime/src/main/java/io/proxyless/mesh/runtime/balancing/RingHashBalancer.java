package io.proxyless.mesh.runtime.balancing;

import java.util.Arrays;

/**
 * Istio {@code consistentHash.ringHash} (Envoy RING_HASH, the Ketama scheme). Each endpoint puts a number of
 * points on a 64-bit ring proportional to its weight — the lightest gets at least enough for the whole ring to
 * reach {@code minimumRingSize}, the ring never exceeds {@link LoadBalancers#MAXIMUM_RING_SIZE} — each point the
 * hash of {@code "<address:port>_<i>"}. A key belongs to the first point at or after its hash, wrapping around.
 *
 * <p>The ring is one sorted {@code long[]}: the high bits of each entry are the point's hash (sign-flipped so that
 * signed order is unsigned hash order), the low bits the owner's table index. Dropping those few low hash bits
 * costs nothing measurable in spread, and a primitive array sorts and binary-searches with no boxing.
 */
final class RingHashBalancer extends HashBalancer {

    private final long[] ring;
    private final long ownerMask;

    RingHashBalancer(IndexedEndpoints table, long minimumRingSize) {
        super(table);
        int n = table.size();
        int ownerBits = Math.max(1, 32 - Integer.numberOfLeadingZeros(Math.max(n - 1, 1)));
        this.ownerMask = (1L << ownerBits) - 1;
        if (n == 0) {
            this.ring = new long[0];
            return;
        }
        double total = 0;
        double minWeight = Double.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            total += table.weight(i);
            minWeight = Math.min(minWeight, table.weight(i));
        }
        double minShare = minWeight / total;
        long minSize = Math.max(1, Math.min(minimumRingSize, LoadBalancers.MAXIMUM_RING_SIZE));
        // Scale so that the lightest endpoint gets a whole number of points; then cap the ring.
        double scale = Math.min(Math.ceil(minShare * minSize) / minShare, LoadBalancers.MAXIMUM_RING_SIZE);
        long[] points = new long[(int) Math.ceil(scale) + n];
        int count = 0;
        // Running sums spread fractional point counts over endpoints without drifting from the target size.
        double target = 0;
        for (int index : byAuthority(table)) {
            target += scale * table.weight(index) / total;
            String prefix = table.endpoint(index).authority() + "_";
            for (int i = 0; count < target && count < points.length; i++) {
                long hash = hash(prefix + i);
                points[count++] = ((hash ^ Long.MIN_VALUE) & ~ownerMask) | index;
            }
        }
        this.ring = Arrays.copyOf(points, count);
        Arrays.sort(ring);
    }

    @Override
    int slotCount() {
        return ring.length;
    }

    @Override
    int slotOf(long hash) {
        long probe = (hash ^ Long.MIN_VALUE) & ~ownerMask;
        int found = Arrays.binarySearch(ring, probe);
        int slot = found >= 0 ? found : -found - 1;
        return slot == ring.length ? 0 : slot;
    }

    @Override
    int ownerOf(int slot) {
        return (int) (ring[slot] & ownerMask);
    }

    @Override
    public String name() {
        return "RING_HASH";
    }
}
