package io.proxyless.mesh.runtime.balancing;

import io.proxyless.mesh.runtime.registry.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * The weighted localities of one priority level, for Envoy's locality pick once outlier detection has ejected some
 * of their endpoints: a locality's effective weight is its weight × its availability, min(1, over-provisioning
 * factor × endpoints not ejected / endpoints), so a locality that lost a few endpoints keeps its whole weight and
 * one that lost half keeps 70 % of it at the default factor. The cluster picks a locality by effective weight, then
 * an endpoint among that locality's remaining ones.
 *
 * <p>Without ejections no locality pick is needed: the endpoints' weights already carry their locality's share
 * ({@code share × weight / locality weight}), which gives the same split in one pick. With ejections the
 * remaining endpoints' weights would only remove each ejected endpoint's own part.
 *
 * <p>The availability is derived state: worked out on the first pick after the set of ejected endpoints changed
 * (keyed by the detector's ejection epoch) and reused until it changes again, so picks neither allocate nor lock.
 *
 * <pre>{@code
 * List<Endpoint> locality = localities.choose(outlier.ejectionEpoch(), outlier.ejectedTest(), random);
 * Endpoint e = balancer.pick(locality, context);
 * }</pre>
 */
public final class WeightedLocalities {

    /** A level without weighted localities to choose between. */
    public static final WeightedLocalities NONE = new WeightedLocalities(List.of(), new double[0], 1, new int[0]);

    private final List<List<Endpoint>> localities;
    private final double[] shares;
    private final double overprovisioningFactor;
    private final int[] leftOut;
    /** The localities' availability for the ejection epoch it was worked out at; replaced, never changed. */
    private volatile Availability availability;

    /** Cumulative effective weights and each locality's endpoints not ejected, at one ejection epoch. */
    private record Availability(long epoch, double[] cumulative, List<List<Endpoint>> remaining) {
    }

    /**
     * @param localities             the endpoints of each weighted locality of the level, in the level's order
     * @param shares                 each locality's share as compiled (its weight, already scaled by the
     *                               availability its health status gave it)
     * @param overprovisioningFactor the assignment's factor as a ratio (1.4 for 140)
     * @param leftOut                for each locality, how many of its endpoints were left out for their health
     *                               status (they count in its availability, as in Envoy), or -1 when unknown:
     *                               then the share is scaled by the endpoints still in service over those given,
     *                               Envoy's result while the locality's availability was below 1 already
     */
    public WeightedLocalities(List<List<Endpoint>> localities, double[] shares, double overprovisioningFactor,
                              int[] leftOut) {
        if (localities.size() != shares.length || localities.size() != leftOut.length) {
            throw new IllegalArgumentException("one share and one left-out count per locality are needed");
        }
        List<List<Endpoint>> copy = new ArrayList<>(localities.size());
        localities.forEach(l -> copy.add(List.copyOf(l)));
        this.localities = List.copyOf(copy);
        this.shares = shares.clone();
        this.overprovisioningFactor = overprovisioningFactor;
        this.leftOut = leftOut.clone();
    }

    /** True when there are at least two localities to choose between. */
    public boolean applies() {
        return localities.size() > 1;
    }

    /**
     * The endpoints not ejected of a locality chosen by effective weight, or an empty list when no locality has
     * any left.
     *
     * @param epoch   the outlier detector's ejection epoch, which changes whenever the ejected set changes
     * @param ejected whether an endpoint is ejected now
     */
    public List<Endpoint> choose(long epoch, Predicate<Endpoint> ejected, RandomGenerator random) {
        Availability a = availability;
        if (a == null || a.epoch() != epoch) {
            a = availability(epoch, ejected);
            availability = a;
        }
        double[] cumulative = a.cumulative();
        int n = cumulative.length;
        double total = n == 0 ? 0 : cumulative[n - 1];
        if (!(total > 0)) {
            return List.of();
        }
        double draw = random.nextDouble() * total;
        for (int i = 0; i < n; i++) {
            if (draw < cumulative[i]) {
                return a.remaining().get(i);
            }
        }
        // Rounding crumbs: the last locality that has weight.
        for (int i = n - 1; i > 0; i--) {
            if (cumulative[i] > cumulative[i - 1]) {
                return a.remaining().get(i);
            }
        }
        return a.remaining().get(0);
    }

    /** The effective weight of each locality with the endpoints {@code ejected} takes out (tests). */
    double[] effectiveWeights(Predicate<Endpoint> ejected) {
        double[] cumulative = availability(0, ejected).cumulative();
        double[] out = new double[cumulative.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = cumulative[i] - (i == 0 ? 0 : cumulative[i - 1]);
        }
        return out;
    }

    /**
     * Envoy's weight × min(1, factor × in service / total). The compiled share is the weight already scaled by the
     * availability the left-out endpoints gave it, so the weight is recovered from it first.
     */
    private double effectiveWeight(int index, int compiled, int inService) {
        if (compiled == 0) {
            return 0;
        }
        if (leftOut[index] < 0) {
            return shares[index] * inService / compiled;
        }
        int total = compiled + leftOut[index];
        double weight = shares[index] / LocalityPriorities.availability(overprovisioningFactor, compiled, total);
        return weight * LocalityPriorities.availability(overprovisioningFactor, inService, total);
    }

    private Availability availability(long epoch, Predicate<Endpoint> ejected) {
        int n = localities.size();
        double[] cumulative = new double[n];
        List<List<Endpoint>> remaining = new ArrayList<>(n);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            List<Endpoint> all = localities.get(i);
            List<Endpoint> kept = new ArrayList<>(all.size());
            for (Endpoint e : all) {
                if (!ejected.test(e)) {
                    kept.add(e);
                }
            }
            sum += effectiveWeight(i, all.size(), kept.size());
            cumulative[i] = sum;
            remaining.add(kept.size() == all.size() ? all : List.copyOf(kept));
        }
        return new Availability(epoch, cumulative, List.copyOf(remaining));
    }
}
