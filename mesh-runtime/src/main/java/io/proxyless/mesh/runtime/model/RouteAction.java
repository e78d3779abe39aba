package io.proxyless.mesh.runtime.model;

import java.time.Duration;
import java.util.List;

/**
 * Envoy's forwarding {@code RouteAction}: which cluster(s) take the request and the policies of the way there.
 *
 * <pre>{@code
 * RouteAction.forWeightedClusters(List.of(ClusterWeight.of("outbound|9080|v1|reviews...", 90),
 *                                         ClusterWeight.of("outbound|9080|v2|reviews...", 10)))
 *            .withTimeout(Duration.ofSeconds(2))
 *            .withRetryPolicy(RetryPolicy.of(3, Set.of(RetryOn.FIVE_XX), null));
 * }</pre>
 *
 * @param clusters      the destinations with their weights; relative (weight / sum), so they need not sum to 100;
 *                      a single cluster takes everything whatever its weight
 * @param timeout       the route timeout over all tries, or null for none (Istio's default)
 * @param retryPolicy   retries, or null when retries are off
 * @param hashPolicies  what a consistent-hash balancer hashes (first that yields a value wins), may be empty
 * @param mirrors       shadow copies
 * @param rewrite       path rewrite, or null
 * @param hostRewrite   the authority sent upstream instead of the request's, or null
 */
public record RouteAction(List<ClusterWeight> clusters, Duration timeout, RetryPolicy retryPolicy,
                          List<HashPolicy> hashPolicies, List<MirrorPolicy> mirrors, PathRewrite rewrite,
                          String hostRewrite) implements Route.Action {
    public RouteAction {
        clusters = List.copyOf(clusters);
        if (clusters.isEmpty()) {
            throw new IllegalArgumentException("a route action needs at least one cluster");
        }
        if (clusters.size() > 1 && clusters.stream().mapToLong(ClusterWeight::weight).sum() == 0) {
            // Envoy and grpc-java reject this; Istio's validation says the same.
            throw new IllegalArgumentException("total destination weight = 0");
        }
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("route timeout must be positive (null for none), got " + timeout);
        }
        hashPolicies = List.copyOf(hashPolicies);
        mirrors = List.copyOf(mirrors);
    }

    /** Everything to one cluster, no timeout, no retries. */
    public static RouteAction forCluster(String cluster) {
        return forWeightedClusters(List.of(ClusterWeight.of(cluster, 1)));
    }

    /** Split by weight, no timeout, no retries. */
    public static RouteAction forWeightedClusters(List<ClusterWeight> clusters) {
        return new RouteAction(clusters, null, null, List.of(), List.of(), null, null);
    }

    public RouteAction withTimeout(Duration timeout) {
        return new RouteAction(clusters, timeout, retryPolicy, hashPolicies, mirrors, rewrite, hostRewrite);
    }

    public RouteAction withRetryPolicy(RetryPolicy retryPolicy) {
        return new RouteAction(clusters, timeout, retryPolicy, hashPolicies, mirrors, rewrite, hostRewrite);
    }

    public RouteAction withHashPolicies(List<HashPolicy> hashPolicies) {
        return new RouteAction(clusters, timeout, retryPolicy, hashPolicies, mirrors, rewrite, hostRewrite);
    }

    public RouteAction withMirrors(List<MirrorPolicy> mirrors) {
        return new RouteAction(clusters, timeout, retryPolicy, hashPolicies, mirrors, rewrite, hostRewrite);
    }

    public RouteAction withRewrite(PathRewrite rewrite, String hostRewrite) {
        return new RouteAction(clusters, timeout, retryPolicy, hashPolicies, mirrors, rewrite, hostRewrite);
    }
}
