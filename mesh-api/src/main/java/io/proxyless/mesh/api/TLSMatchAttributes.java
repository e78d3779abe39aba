package io.proxyless.mesh.api;

import java.util.List;
import java.util.Map;

/**
 * Istio {@code TLSMatchAttributes}: conditions of a {@link TLSRoute}.
 *
 * @param sniHosts           SNI values to match (wildcards allowed); required
 * @param destinationSubnets destination IPs or CIDRs
 * @param port               destination port
 * @param sourceLabels       labels the calling workload must have
 * @param gateways           gateways the match applies to
 * @param sourceNamespace    namespace the calling workload must be in
 */
public record TLSMatchAttributes(
        List<String> sniHosts,
        List<String> destinationSubnets,
        Integer port,
        Map<String, String> sourceLabels,
        List<String> gateways,
        String sourceNamespace) {
    public TLSMatchAttributes {
        sniHosts = Immutables.list(sniHosts);
        destinationSubnets = Immutables.list(destinationSubnets);
        sourceLabels = Immutables.map(sourceLabels);
        gateways = Immutables.list(gateways);
    }
}
