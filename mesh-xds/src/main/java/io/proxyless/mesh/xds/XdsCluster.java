package io.proxyless.mesh.xds;

import io.proxyless.mesh.api.ClientTLSSettings;
import io.proxyless.mesh.api.ConnectionPoolSettings;
import io.proxyless.mesh.api.LoadBalancerSettings;
import io.proxyless.mesh.api.OutlierDetection;
import io.proxyless.mesh.api.TrafficPolicy;

/**
 * A parsed Cluster: which service it is (from its name), where its endpoints come from, and its policy as
 * Istio DestinationRule blocks.
 *
 * @param id                what the name says: host, port, subset
 * @param discovery         how endpoints are found
 * @param edsServiceName    the EDS resource to subscribe (for {@link Discovery#EDS})
 * @param loadBalancer      load balancer (a consistent hash without its key: routes carry the key), or null
 * @param connectionPool    circuit breakers, connect timeout, HTTP protocol options, or null
 * @param outlierDetection  outlier detection, or null
 * @param tls               upstream TLS, or null for plaintext
 * @param retryBudget       circuit-breaker retry budget, or null
 * @param localityWeighted  whether EDS locality weights split traffic ({@code locality_weighted_lb_config})
 * @param inlineEndpoints   endpoints of STATIC and DNS clusters, or null
 */
record XdsCluster(ClusterName id, Discovery discovery, String edsServiceName, LoadBalancerSettings loadBalancer,
                  ConnectionPoolSettings connectionPool, OutlierDetection outlierDetection, ClientTLSSettings tls,
                  TrafficPolicy.RetryBudget retryBudget, boolean localityWeighted, XdsEndpoints inlineEndpoints) {

    /** Where a cluster's endpoints come from. */
    enum Discovery {
        EDS, STATIC, STRICT_DNS, LOGICAL_DNS, ORIGINAL_DST, UNSUPPORTED
    }

    String name() {
        return id.name();
    }

    /** The DestinationRule blocks of this cluster, or null when it sets none. */
    TrafficPolicy.PortTrafficPolicy portPolicy() {
        if (loadBalancer == null && connectionPool == null && outlierDetection == null && tls == null) {
            return null;
        }
        return new TrafficPolicy.PortTrafficPolicy(io.proxyless.mesh.api.PortSelector.of(id.port()), loadBalancer,
                connectionPool, outlierDetection, tls);
    }
}
