package io.proxyless.mesh.runtime.policy;

import io.proxyless.mesh.api.ClientTLSSettings;
import io.proxyless.mesh.api.ConnectionPoolSettings;
import io.proxyless.mesh.api.LoadBalancerSettings;
import io.proxyless.mesh.api.OutlierDetection;

/**
 * The four DestinationRule policy blocks in force for one cluster (host, subset, port) after Istio's merge.
 * Any block may be null (unset: Istio's defaults apply).
 */
public record ClusterPolicy(LoadBalancerSettings loadBalancer, ConnectionPoolSettings connectionPool,
                            OutlierDetection outlierDetection, ClientTLSSettings tls) {
    public static final ClusterPolicy NONE = new ClusterPolicy(null, null, null, null);

    /** True when the load balancer hashes requests (ring hash or maglev). */
    public boolean consistentHash() {
        return loadBalancer != null && loadBalancer.consistentHash() != null;
    }
}
