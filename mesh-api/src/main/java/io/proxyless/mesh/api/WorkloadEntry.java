package io.proxyless.mesh.api;

import java.util.Map;

/**
 * Spec of an Istio {@code WorkloadEntry}: one non-Kubernetes workload (a VM, a bare-metal host) as a service
 * endpoint. Also the type of {@link ServiceEntry#endpoints()}.
 *
 * <pre>{@code
 * WorkloadEntry vm = WorkloadEntry.of("10.0.0.7", Map.of("app", "reviews", "version", "v1"));
 * }</pre>
 *
 * @param address        IP, DNS name (with DNS resolution) or {@code unix://} path; required unless {@code network} is set
 * @param ports          service port name → port on this endpoint
 * @param labels         labels of the endpoint, used by subsets and selectors
 * @param network        network the endpoint lives in; endpoints in other networks need a gateway
 * @param locality       {@code region/zone/subzone} of the endpoint
 * @param weight         load-balancing weight of the endpoint
 * @param serviceAccount service account of the workload, used for its identity
 */
public record WorkloadEntry(
        String address,
        Map<String, Integer> ports,
        Map<String, String> labels,
        @NotSupported("endpoints are connected to directly; multi-network routing through east-west gateways is not done")
        String network,
        String locality,
        Integer weight,
        String serviceAccount) {

    public WorkloadEntry {
        ports = Immutables.map(ports);
        labels = Immutables.map(labels);
    }

    public static WorkloadEntry of(String address) {
        return new WorkloadEntry(address, Map.of(), Map.of(), null, null, null, null);
    }

    public static WorkloadEntry of(String address, Map<String, String> labels) {
        return new WorkloadEntry(address, Map.of(), labels, null, null, null, null);
    }
}
