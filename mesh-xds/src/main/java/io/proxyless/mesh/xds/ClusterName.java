package io.proxyless.mesh.xds;

import io.proxyless.mesh.api.Destination;
import io.proxyless.mesh.api.HostName;
import io.proxyless.mesh.api.PortSelector;

/**
 * What a cluster name says about its service. Istio names clusters {@code outbound|PORT|SUBSET|HOST}: host HOST,
 * service port PORT, subset SUBSET (none when empty). Any other name is taken as the host itself, with no port
 * and no subset.
 *
 * @param name   the cluster name as sent
 * @param host   the service host, normalized as {@link HostName#of}
 * @param port   the service port, or 0 when the name carries none
 * @param subset the subset, or null
 * @param istio  whether the name has Istio's {@code outbound|...} form
 */
record ClusterName(String name, String host, int port, String subset, boolean istio) {
    /** Clusters Istio generates that are not services: the engine has its own passthrough and black hole. */
    static final java.util.Set<String> SPECIAL = java.util.Set.of("PassthroughCluster", "BlackHoleCluster",
            "InboundPassthroughCluster", "InboundPassthroughClusterIpv4", "InboundPassthroughClusterIpv6",
            "prometheus_stats", "agent", "sds-grpc", "xds-grpc", "zipkin");

    static ClusterName parse(String name) {
        String[] parts = name.split("\\|", -1);
        if (parts.length == 4 && (parts[0].equals("outbound") || parts[0].equals("inbound"))) {
            try {
                int port = Integer.parseInt(parts[1]);
                if (port > 0 && port <= 65535 && !parts[3].isEmpty() && !parts[3].equals(".")) {
                    return new ClusterName(name, HostName.of(parts[3]).toString(), port,
                            parts[2].isEmpty() ? null : parts[2], true);
                }
            } catch (NumberFormatException e) {
                // not Istio's form after all: fall through
            }
        }
        return new ClusterName(name, name.isEmpty() || name.equals(".") ? name : HostName.of(name).toString(), 0,
                null, false);
    }

    /** Istio's inbound clusters serve the workload's own server, never a client's call. */
    boolean inbound() {
        return istio && name.startsWith("inbound|");
    }

    /** Not a service cluster: inbound, or one of Istio's special clusters. */
    boolean special() {
        return inbound() || SPECIAL.contains(name);
    }

    /**
     * The VirtualService destination that reaches this cluster. A host without a dot gets a trailing dot: the
     * engine would otherwise read it as a Kubernetes short name and expand it to {@code NAME.NS.svc.<domain>};
     * the registry drops the dot again when it looks the host up.
     */
    Destination destination() {
        String h = host.indexOf('.') < 0 ? host + "." : host;
        return new Destination(h, subset, port > 0 ? PortSelector.of(port) : null);
    }
}
