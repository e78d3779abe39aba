package io.proxyless.mesh.runtime.routing;

/**
 * One destination of a compiled route with its weight and its cluster resolved.
 *
 * @param host              destination host (FQDN), or the cluster name when no such cluster exists
 * @param subset            subset, or null
 * @param port              the cluster's service port, or null
 * @param weight            relative weight as written (routes normalise weight/sum)
 * @param cluster           the cluster, or null (see {@code problem})
 * @param problem           why no cluster exists (unknown host, subset or cluster), or null
 * @param requestHeaderOps  header changes on requests to it (and its host rewrite as their authority), compiled
 * @param responseHeaderOps header changes on its responses, compiled
 */
public record WeightedDestination(String host, String subset, Integer port, int weight, Cluster cluster,
                                  String problem, HeaderOps requestHeaderOps, HeaderOps responseHeaderOps) {
}
