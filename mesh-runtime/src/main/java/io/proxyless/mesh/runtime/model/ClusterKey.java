package io.proxyless.mesh.runtime.model;

import java.util.Objects;

/**
 * The service a cluster stands for: Istio names such a cluster {@code outbound|PORT|SUBSET|HOST}.
 *
 * @param port   the service port
 * @param subset the DestinationRule subset, or null
 * @param host   the service's fully qualified host name
 */
public record ClusterKey(int port, String subset, String host) {
    public ClusterKey {
        Objects.requireNonNull(host, "host");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not in [1, 65535]");
        }
        if (subset != null && subset.isEmpty()) {
            subset = null;
        }
    }

    public static ClusterKey of(int port, String subset, String host) {
        return new ClusterKey(port, subset, host);
    }

    /** Istio's cluster name, {@code outbound|9080|v1|reviews.default.svc.cluster.local}. */
    public String name() {
        return "outbound|" + port + "|" + (subset == null ? "" : subset) + "|" + host;
    }

    @Override
    public String toString() {
        return name();
    }
}
