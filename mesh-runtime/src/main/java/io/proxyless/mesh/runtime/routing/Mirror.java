package io.proxyless.mesh.runtime.routing;

/**
 * One shadow destination of a route: where to send the copy and for what share of requests.
 *
 * @param host       destination host (FQDN)
 * @param subset     subset, or null
 * @param port       explicit destination port, or null (the service's only port, else the request's)
 * @param percentage share of requests mirrored, 0–100 (unset → 100, as in Istio)
 * @param cluster    the resolved cluster, or null when the host is not in the registry
 */
public record Mirror(String host, String subset, Integer port, double percentage, Cluster cluster) {
}
