package io.proxyless.mesh.api;

import java.util.List;
import java.util.Map;

/**
 * Istio {@code L4MatchAttributes}: conditions of a {@link TCPRoute}.
 *
 * @param destinationSubnets destination IPs or CIDRs
 * @param port               destination port
 * @param sourceSubnet       source IP or CIDR (hidden from Istio's docs, still accepted)
 * @param sourceLabels       labels the calling workload must have
 * @param gateways           gateways the match applies to
 * @param sourceNamespace    namespace the calling workload must be in
 */
public record L4MatchAttributes(
        List<String> destinationSubnets,
        Integer port,
        String sourceSubnet,
        Map<String, String> sourceLabels,
        List<String> gateways,
        String sourceNamespace) {
    public L4MatchAttributes {
        destinationSubnets = Immutables.list(destinationSubnets);
        sourceLabels = Immutables.map(sourceLabels);
        gateways = Immutables.list(gateways);
    }
}
