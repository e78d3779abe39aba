package io.proxyless.mesh.runtime.balancing;

import io.proxyless.mesh.runtime.registry.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * A cluster's endpoints split into priority levels for one client, as computed by {@link LocalityPrioritizer}:
 * level 0 is preferred, the next level takes traffic as level 0 loses healthy endpoints, and so on. Weights carry
 * {@code distribute} shares.
 *
 * <pre>{@code
 * LocalityPriorities p = LocalityPrioritizer.prioritize("us-east/a/1", labels, setting, true, endpoints);
 * LoadBalancer lb = LoadBalancers.create(lbSettings, p.endpoints(), p::weight, tracker);
 * // per pick
 * int level = p.chooseLevel(health::isHealthy, random);
 * List<Endpoint> candidates = healthyOf(p.levels().get(level));
 * }</pre>
 *
 * @param levels    non-empty levels, most preferred first; each keeps the cluster's endpoint order
 * @param weights   balancing weight of endpoints whose weight differs from {@link Endpoint#weight()}
 * @param preferred for each level, the endpoints picked from while any of them is healthy: Envoy's
 *                  locality-weighted balancing gives a locality without weight no traffic while a weighted locality
 *                  of its priority has a healthy endpoint, and falls back to all healthy endpoints of the priority
 *                  when none has. The level itself (the same list) when the level has no such preference.
 * @param overprovisioningFactor what a level's healthy share is multiplied by (capped at 1) before traffic spills
 *                  to the next level: Envoy's {@code policy.overprovisioning_factor} as a ratio, more than 0
 * @param leftOut   for each level, how many of its endpoints are not in it because their health status takes them
 *                  out of load balancing (EDS {@code UNHEALTHY}…): they count against the level's health, as Envoy
 *                  counts them. Null: none.
 * @param localities for each level, its weighted localities, which a pick chooses between by effective weight
 *                  once outlier detection has ejected some of their endpoints; {@link WeightedLocalities#NONE}
 *                  for a level without two weighted localities. Null: none for any level.
 */
public record LocalityPriorities(List<List<Endpoint>> levels, Map<Endpoint, Double> weights,
                                 List<List<Endpoint>> preferred, double overprovisioningFactor,
                                 List<Integer> leftOut, List<WeightedLocalities> localities) {

    /**
     * Envoy's default over-provisioning factor, which Istio sends too: a level at 72 % health (≥ 1/1.4) still takes
     * all the traffic.
     */
    public static final double DEFAULT_OVERPROVISIONING_FACTOR = 1.4;

    /**
     * Envoy's availability of a priority level or a locality: the share of its endpoints in service times the
     * over-provisioning factor, at most 1, so a few endpoints out of service take nothing away from it. The one
     * formula behind priority spillover, the compiled locality shares and the localities' effective weights under
     * outlier ejection.
     *
     * @param overprovisioningFactor the factor as a ratio (1.4 for Envoy's 140)
     * @param inService              endpoints taking traffic
     * @param total                  all its endpoints, those left out of service included (more than 0)
     */
    public static double availability(double overprovisioningFactor, int inService, int total) {
        return Math.min(1.0, overprovisioningFactor * inService / total);
    }

    /** Levels without a preference within them, with Envoy's default over-provisioning factor. */
    public LocalityPriorities(List<List<Endpoint>> levels, Map<Endpoint, Double> weights) {
        this(levels, weights, null, DEFAULT_OVERPROVISIONING_FACTOR, null, null);
    }

    /** Levels with all their endpoints present. */
    public LocalityPriorities(List<List<Endpoint>> levels, Map<Endpoint, Double> weights,
                              List<List<Endpoint>> preferred, double overprovisioningFactor) {
        this(levels, weights, preferred, overprovisioningFactor, null, null);
    }

    /** Levels without weighted localities to choose between. */
    public LocalityPriorities(List<List<Endpoint>> levels, Map<Endpoint, Double> weights,
                              List<List<Endpoint>> preferred, double overprovisioningFactor,
                              List<Integer> leftOut) {
        this(levels, weights, preferred, overprovisioningFactor, leftOut, null);
    }

    public LocalityPriorities {
        if (preferred != null && preferred.size() != levels.size()) {
            throw new IllegalArgumentException("one preferred list per level is needed");
        }
        if (leftOut != null && leftOut.size() != levels.size()) {
            throw new IllegalArgumentException("one left-out count per level is needed");
        }
        if (localities != null && localities.size() != levels.size()) {
            throw new IllegalArgumentException("one set of weighted localities per level is needed");
        }
        if (!(overprovisioningFactor > 0)) {
            throw new IllegalArgumentException("overprovisioning factor must be above 0, was "
                    + overprovisioningFactor);
        }
        List<List<Endpoint>> copy = new ArrayList<>(levels.size());
        List<List<Endpoint>> preferredCopy = new ArrayList<>(levels.size());
        List<Integer> leftOutCopy = new ArrayList<>(levels.size());
        List<WeightedLocalities> localitiesCopy = new ArrayList<>(levels.size());
        for (int i = 0; i < levels.size(); i++) {
            if (!levels.get(i).isEmpty()) {
                int absent = leftOut == null ? 0 : leftOut.get(i);
                if (absent < 0) {
                    throw new IllegalArgumentException("a left-out count cannot be negative, was " + absent);
                }
                leftOutCopy.add(absent);
                WeightedLocalities weighted = localities == null ? null : localities.get(i);
                localitiesCopy.add(weighted == null ? WeightedLocalities.NONE : weighted);
                List<Endpoint> level = List.copyOf(levels.get(i));
                List<Endpoint> p = preferred == null ? null : preferred.get(i);
                copy.add(level);
                // The very level list when nothing is preferred, so a pick tells by identity that there is no
                // preference to try first.
                preferredCopy.add(p == null || p.isEmpty() || p.size() == level.size() ? level : List.copyOf(p));
            }
        }
        levels = List.copyOf(copy);
        preferred = List.copyOf(preferredCopy);
        leftOut = List.copyOf(leftOutCopy);
        localities = List.copyOf(localitiesCopy);
        weights = weights == null ? Map.of() : Map.copyOf(weights);
    }

    /** Everything in one level with the endpoints' own weights: no locality preference. */
    public static LocalityPriorities single(List<Endpoint> endpoints) {
        return new LocalityPriorities(List.of(endpoints), Map.of());
    }

    /** All endpoints of all levels, level by level: what the cluster's balancer is built from. */
    public List<Endpoint> endpoints() {
        if (levels.size() == 1) {
            return levels.get(0);
        }
        List<Endpoint> all = new ArrayList<>();
        levels.forEach(all::addAll);
        return List.copyOf(all);
    }

    /** The balancing weight of {@code endpoint}: its {@code distribute} share, or {@link Endpoint#weight()}. */
    public double weight(Endpoint endpoint) {
        Double weight = weights.get(endpoint);
        return weight != null ? weight : endpoint.weight();
    }

    /**
     * Chooses the level to take candidates from, as Envoy splits load between priorities: each level's health
     * is its healthy share (of its endpoints and those {@link #leftOut}) × {@link #overprovisioningFactor} (capped
     * at 100 %); level 0 takes its health's worth
     * of traffic, the next level the rest up to its own health, and so on; if the levels' health adds up to less
     * than 100 %, the shares are scaled up to fill it. So a fully healthy level 0 takes everything, and a level 0
     * at 50 % health takes 70 % (at the default factor of 1.4).
     *
     * @param healthy whether an endpoint is currently healthy (not ejected)
     * @return the chosen level, or -1 when no level has a healthy endpoint (the engine decides about panic mode)
     */
    public int chooseLevel(Predicate<Endpoint> healthy, RandomGenerator random) {
        double total = 0;
        for (int i = 0; i < levels.size(); i++) {
            total += health(i, healthy);
        }
        if (total == 0) {
            return -1;
        }
        if (levels.size() == 1) {
            return 0;
        }
        double normalizedTotal = Math.min(1.0, total);
        double draw = random.nextDouble();
        double remaining = 1.0;
        int lastHealthy = -1;
        for (int i = 0; i < levels.size(); i++) {
            double health = health(i, healthy);
            if (health == 0) {
                continue;
            }
            lastHealthy = i;
            double load = Math.min(remaining, health / normalizedTotal);
            if (draw < load) {
                return i;
            }
            draw -= load;
            remaining -= load;
        }
        return lastHealthy; // rounding crumbs
    }

    private double health(int index, Predicate<Endpoint> healthy) {
        List<Endpoint> level = levels.get(index);
        int up = 0;
        for (int i = 0, n = level.size(); i < n; i++) {
            if (healthy.test(level.get(i))) {
                up++;
            }
        }
        return availability(overprovisioningFactor, up, level.size() + leftOut.get(index));
    }
}
