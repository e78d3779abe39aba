package io.proxyless.mesh.api;

import java.util.List;

/**
 * Spec of an Istio {@code ServiceEntry}: adds a service to the mesh's registry — typically one outside the
 * cluster — with its ports and, for {@code STATIC} or {@code DNS} resolution, its endpoints.
 *
 * <pre>{@code
 * ServiceEntry api = ServiceEntry.of(List.of("api.example.com"),
 *         List.of(ServicePort.of(443, "HTTPS", "https")), ServiceEntry.Location.MESH_EXTERNAL,
 *         ServiceEntry.Resolution.DNS, List.of());
 * }</pre>
 *
 * @param hosts            host names of the service (wildcards allowed with {@code NONE}/{@code DYNAMIC_DNS}); required
 * @param addresses        virtual IPs or CIDRs of the service
 * @param ports            ports of the service
 * @param location         inside or outside the mesh; {@code MESH_EXTERNAL} when unset
 * @param resolution       how endpoint addresses are found; {@code NONE} when unset
 * @param endpoints        the endpoints, inline
 * @param workloadSelector the endpoints, as WorkloadEntries (or pods) with these labels; instead of {@code endpoints}
 * @param exportTo         namespaces that can see the service ({@code .}, {@code *}, {@code ~} or a name); all when empty
 * @param subjectAltNames  names of which the server certificate must carry one
 */
public record ServiceEntry(
        List<String> hosts,
        List<String> addresses,
        List<ServicePort> ports,
        Location location,
        Resolution resolution,
        List<WorkloadEntry> endpoints,
        WorkloadSelector workloadSelector,
        List<String> exportTo,
        List<String> subjectAltNames) {

    public ServiceEntry {
        hosts = Immutables.list(hosts);
        addresses = Immutables.list(addresses);
        ports = Immutables.list(ports);
        endpoints = Immutables.list(endpoints);
        exportTo = Immutables.list(exportTo);
        subjectAltNames = Immutables.list(subjectAltNames);
    }

    public static ServiceEntry of(List<String> hosts, List<ServicePort> ports, Location location,
                                  Resolution resolution, List<WorkloadEntry> endpoints) {
        return new ServiceEntry(hosts, List.of(), ports, location, resolution, endpoints, null, List.of(), List.of());
    }

    /** Istio {@code ServiceEntry.Location}. */
    public enum Location {
        /** Outside the mesh: no Istio mTLS towards it. */
        MESH_EXTERNAL,
        /** Part of the mesh (e.g. VMs), treated like any mesh service. */
        MESH_INTERNAL
    }

    /** Istio {@code ServiceEntry.Resolution}. */
    public enum Resolution {
        /** The caller already has the IP address; connect to it as given. */
        NONE,
        /** Use the addresses of {@code endpoints}. */
        STATIC,
        /** Resolve the endpoint (or host) names with DNS and balance over all answers. */
        DNS,
        /** Resolve with DNS and use the first answer for each new connection. */
        DNS_ROUND_ROBIN,
        /** Resolve the request's own host name (Host header or SNI) when the request is made; wildcard hosts only. */
        DYNAMIC_DNS
    }
}
