package io.proxyless.mesh.runtime.routing;

import io.proxyless.mesh.api.Headers;
import java.util.Map;

/**
 * One destination of a route with its weight, host resolved to an FQDN and its cluster(s) resolved.
 *
 * @param host          destination host (FQDN)
 * @param subset        subset, or null
 * @param port          explicit destination port, or null
 * @param weight        relative weight as written (Istio normalises weight/sum)
 * @param headers       destination-level header operations, or null
 * @param fixedCluster  the cluster when it does not depend on the request port, else null
 * @param clusterByPort clusters per request port, used when the port comes from the request
 * @param problem       why no cluster exists (unknown host or subset), or null
 * @param requestHeaderOps  {@code headers.request}, compiled
 * @param responseHeaderOps {@code headers.response}, compiled
 */
public record WeightedDestination(String host, String subset, Integer port, int weight, Headers headers,
                                  Cluster fixedCluster, Map<Integer, Cluster> clusterByPort, String problem,
                                  HeaderOps requestHeaderOps, HeaderOps responseHeaderOps) {

    /** A destination whose header operations are compiled from {@code headers}. */
    static WeightedDestination of(String host, String subset, Integer port, int weight, Headers headers,
                                  Cluster fixedCluster, Map<Integer, Cluster> clusterByPort, String problem) {
        return new WeightedDestination(host, subset, port, weight, headers, fixedCluster, clusterByPort, problem,
                HeaderOps.compile(headers == null ? null : headers.request()),
                HeaderOps.compile(headers == null ? null : headers.response()));
    }

    /** The cluster for a request on {@code requestPort}, or null (see {@link #problem()}). */
    public Cluster cluster(int requestPort) {
        return fixedCluster != null ? fixedCluster : clusterByPort.get(requestPort);
    }
}
