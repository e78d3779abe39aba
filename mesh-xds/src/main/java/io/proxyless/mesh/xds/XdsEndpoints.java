package io.proxyless.mesh.xds;

import java.util.List;
import java.util.Map;

/**
 * A parsed ClusterLoadAssignment (or a cluster's inline {@code load_assignment}).
 *
 * @param name             cluster (or EDS service) name
 * @param endpoints        the endpoints Envoy would balance over (unhealthy and draining ones left out)
 * @param localityWeights  {@code region/zone/subzone} → locality weight, for locality-weighted clusters
 */
record XdsEndpoints(String name, List<LbEndpoint> endpoints, Map<String, Integer> localityWeights) {
    XdsEndpoints {
        endpoints = List.copyOf(endpoints);
        localityWeights = Map.copyOf(localityWeights);
    }

    /**
     * @param address  IP address, host name (DNS clusters) or {@code unix://path}
     * @param port     port (0 for a unix socket)
     * @param locality {@code region/zone/subzone}, or empty
     * @param weight   load-balancing weight ≥ 1
     * @param priority Envoy priority (0 is the highest)
     * @param labels   labels the endpoint carries (Istio's {@code tlsMode})
     */
    record LbEndpoint(String address, int port, String locality, int weight, int priority,
                      Map<String, String> labels) {
        LbEndpoint {
            labels = Map.copyOf(labels);
        }
    }
}
