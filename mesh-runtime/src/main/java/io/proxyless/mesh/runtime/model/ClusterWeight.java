package io.proxyless.mesh.runtime.model;

import java.util.Objects;

/**
 * One destination of a {@link RouteAction}: a cluster, its relative weight and the header changes Istio's
 * {@code route[].headers} make for traffic to it.
 *
 * @param cluster         the cluster's name
 * @param weight          relative weight, ≥ 0
 * @param requestHeaders  header changes on requests to this cluster
 * @param responseHeaders header changes on its responses
 * @param hostRewrite     the authority sent to this cluster instead of the request's (Envoy's
 *                        {@code host_rewrite_literal}; Istio's destination-level {@code :authority} header), or null
 */
public record ClusterWeight(String cluster, int weight, HeaderMutation requestHeaders,
                            HeaderMutation responseHeaders, String hostRewrite) {
    public ClusterWeight {
        Objects.requireNonNull(cluster, "cluster");
        if (weight < 0) {
            throw new IllegalArgumentException("cluster " + cluster + ": weight " + weight + " is negative");
        }
        requestHeaders = requestHeaders == null ? HeaderMutation.NONE : requestHeaders;
        responseHeaders = responseHeaders == null ? HeaderMutation.NONE : responseHeaders;
    }

    public static ClusterWeight of(String cluster, int weight) {
        return new ClusterWeight(cluster, weight, null, null, null);
    }

    public ClusterWeight withHeaders(HeaderMutation request, HeaderMutation response) {
        return new ClusterWeight(cluster, weight, request, response, hostRewrite);
    }

    public ClusterWeight withHostRewrite(String hostRewrite) {
        return new ClusterWeight(cluster, weight, requestHeaders, responseHeaders, hostRewrite);
    }
}
