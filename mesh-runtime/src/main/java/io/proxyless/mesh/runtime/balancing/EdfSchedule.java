package io.proxyless.mesh.runtime.balancing;

import io.proxyless.mesh.runtime.registry.Endpoint;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Earliest-deadline-first weighted scheduling, as Envoy's weighted round robin and weighted least request use,
 * made lock-free: each endpoint has a virtual deadline; a pick takes the eligible candidate with the earliest one
 * and moves it {@code 1/weight} later with a compare-and-set. Heavier endpoints come due more often, and picks
 * interleave smoothly instead of arriving in bursts.
 *
 * <p>Deadlines are fixed-point longs compared by signed difference (like {@link System#nanoTime()}), so they may
 * wrap around. An endpoint whose deadline fell behind the schedule's present (it was ejected, skipped as a
 * previous host, or is back) is rescheduled one step after the present instead of catching up in a burst, which
 * is what Envoy's scheduler rebuild on a host-set change amounts to.
 *
 * <p>Cost per pick: one pass over the candidates (an array read and usually one identity comparison each), no
 * allocation. Envoy's heap is O(log n) but needs a lock (or a per-worker copy); candidate lists are short and
 * change with every ejection, so a scan is the better trade here.
 */
final class EdfSchedule {

    /** Step of the heaviest endpoint; lighter ones step proportionally further. */
    private static final double SCALE = 1 << 20;
    private static final double MAX_STEP = (double) (1L << 52);
    /** After this many lost races a pick keeps its choice rather than rescanning again. */
    private static final int MAX_RACES = 8;

    private final IndexedEndpoints table;
    private final AtomicLongArray deadlines;
    /** Deadline of the latest pick: the schedule's present. */
    private final AtomicLong present = new AtomicLong();

    EdfSchedule(IndexedEndpoints table) {
        this.table = table;
        this.deadlines = new AtomicLongArray(table.size());
        // All endpoints enter the schedule at time 0, each due one step later.
        for (int i = 0; i < table.size(); i++) {
            deadlines.set(i, step(table.weight(i)));
        }
    }

    /**
     * The eligible candidate due first, or null when no candidate is one of the table's endpoints.
     *
     * @param now          clock for slow start ({@link IndexedEndpoints#now()})
     * @param leastRequest divide weights by (in-flight + 1), Envoy's weighted least request with bias 1.0
     */
    Endpoint pick(List<Endpoint> candidates, Set<Endpoint> previousHosts, boolean avoid, long now,
                  boolean leastRequest) {
        for (int race = 0; ; race++) {
            long present = this.present.get();
            int best = -1;
            int bestPosition = -1;
            long bestDeadline = 0;
            int hint = 0;
            for (int position = 0, n = candidates.size(); position < n; position++) {
                Endpoint candidate = candidates.get(position);
                if (avoid && previousHosts.contains(candidate)) {
                    continue;
                }
                int index = table.indexOf(candidate, hint);
                if (index < 0) {
                    continue;
                }
                hint = index + 1;
                long deadline = deadlines.get(index);
                if (deadline - present < 0) {
                    long rescheduled = present + step(weight(index, now, leastRequest));
                    deadline = deadlines.compareAndSet(index, deadline, rescheduled)
                            ? rescheduled : deadlines.get(index);
                }
                if (best < 0 || deadline - bestDeadline < 0) {
                    best = index;
                    bestPosition = position;
                    bestDeadline = deadline;
                }
            }
            if (best < 0) {
                return null;
            }
            long next = bestDeadline + step(weight(best, now, leastRequest));
            if (deadlines.compareAndSet(best, bestDeadline, next) || race >= MAX_RACES) {
                this.present.accumulateAndGet(bestDeadline, EdfSchedule::later);
                return candidates.get(bestPosition);
            }
            // Another thread picked the same endpoint first; rescan with its new deadline.
        }
    }

    private double weight(int index, long now, boolean leastRequest) {
        double w = table.effectiveWeight(index, now);
        return leastRequest ? w / (table.inFlight(index) + 1) : w;
    }

    private long step(double weight) {
        double relative = weight / table.maxWeight();
        double step = relative > 0 ? SCALE / relative : MAX_STEP;
        return (long) Math.min(step, MAX_STEP);
    }

    private static long later(long a, long b) {
        return b - a > 0 ? b : a;
    }
}
