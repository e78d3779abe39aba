package io.proxyless.mesh.runtime.registry;

import io.proxyless.mesh.api.HostName;
import io.proxyless.mesh.api.ServiceEntry.Location;
import io.proxyless.mesh.api.ServiceEntry.Resolution;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One service of the mesh as a client sees it: one host of a ServiceEntry, with its ports and its endpoints
 * compiled per service port. Built once per config snapshot by {@link ServiceRegistry}; immutable.
 *
 * <pre>{@code
 * MeshService reviews = registry.lookup("reviews.shop.svc.cluster.local").orElseThrow();
 * List<Endpoint> all = reviews.endpoints(9080);
 * List<Endpoint> v2 = reviews.endpoints(9080, Map.of("version", "v2"));
 * }</pre>
 *
 * <p><b>Endpoints by resolution</b> (Istio's {@code convertServiceEntryToInstances}):
 * <ul>
 *   <li>{@code STATIC}: the endpoint addresses as written (inline {@code endpoints}, or the WorkloadEntries the
 *       {@code workloadSelector} selects);</li>
 *   <li>{@code DNS} and {@code DNS_ROUND_ROBIN}: the endpoint addresses as written, which may be host names;
 *       with no endpoints and no selector, one endpoint per port whose address is this service's own host.
 *       <b>No DNS lookup happens here</b>: the adapter's resolver resolves names when it connects, so a DNS
 *       change needs no new snapshot;</li>
 *   <li>{@code NONE}: no endpoints; the call goes to the address the application asked for
 *       ({@link #isPassthrough()}), on the port's {@code targetPort} when one is set;</li>
 *   <li>{@code DYNAMIC_DNS}: no endpoints; the request's own host name is resolved when the call is made
 *       ({@link #isDynamicDns()}).</li>
 * </ul>
 *
 * @param host            the host, lower-cased, as written in the ServiceEntry (may be a wildcard {@code *.x.com})
 * @param namespace       the ServiceEntry's namespace
 * @param ports           the ports the client can use, in config order (a Sidecar egress listener with a port
 *                        narrows them; ServiceEntries merged into this one may add some)
 * @param location        {@code MESH_EXTERNAL} or {@code MESH_INTERNAL}
 * @param resolution      how endpoints are found
 * @param exportTo        normalised {@code exportTo}: {@code {*}} when public (also when unset), {@code {~}} when
 *                        hidden, otherwise namespace names ({@code .} replaced by {@link #namespace()})
 * @param subjectAltNames names the server certificate must carry one of
 * @param addresses       the service's virtual IPs or CIDRs, as written
 * @param source          the ServiceEntry it comes from, {@code namespace/name} (the oldest one if several merged)
 * @param endpointTable   the endpoints per service port
 */
public record MeshService(String host, String namespace, List<ServicePortSpec> ports, Location location,
                          Resolution resolution, Set<String> exportTo, List<String> subjectAltNames,
                          List<String> addresses, String source, EndpointTable endpointTable) {
    public MeshService {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(namespace, "namespace");
        ports = List.copyOf(ports);
        location = location == null ? Location.MESH_EXTERNAL : location;
        resolution = resolution == null ? Resolution.NONE : resolution;
        exportTo = exportTo == null || exportTo.isEmpty() ? Set.of(HostVisibility.PUBLIC) : Set.copyOf(exportTo);
        subjectAltNames = subjectAltNames == null ? List.of() : List.copyOf(subjectAltNames);
        addresses = addresses == null ? List.of() : List.copyOf(addresses);
        source = source == null ? "" : source;
        endpointTable = endpointTable == null ? EndpointTable.EMPTY : endpointTable;
    }

    /** The endpoints behind service port {@code servicePort}; empty for a port this service does not have. */
    public List<Endpoint> endpoints(int servicePort) {
        return endpointTable.endpoints(servicePort);
    }

    /**
     * The endpoints behind service port {@code servicePort} whose labels include all of {@code subsetLabels}
     * (a DestinationRule subset). Precomputed at build time for every subset in the config, so this is a hash
     * lookup on the request path.
     */
    public List<Endpoint> endpoints(int servicePort, Map<String, String> subsetLabels) {
        return endpointTable.endpoints(servicePort, subsetLabels);
    }

    /** The port numbered {@code number}, if this service has it. */
    public Optional<ServicePortSpec> port(int number) {
        for (ServicePortSpec p : ports) {
            if (p.number() == number) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** The only port, when there is exactly one (Istio's default destination port). */
    public Optional<ServicePortSpec> onlyPort() {
        return ports.size() == 1 ? Optional.of(ports.get(0)) : Optional.empty();
    }

    /**
     * {@code resolution: NONE}: the mesh knows no endpoints and the call goes to the address the application
     * resolved itself (Istio's original-destination "passthrough" cluster). A port's {@code targetPort}, when
     * set, replaces the port the application asked for.
     */
    public boolean isPassthrough() {
        return resolution == Resolution.NONE;
    }

    /** {@code resolution: DYNAMIC_DNS}: connect to the request's own host name, resolved per call. */
    public boolean isDynamicDns() {
        return resolution == Resolution.DYNAMIC_DNS;
    }

    /** {@code DNS} or {@code DNS_ROUND_ROBIN}: endpoint addresses may be host names for the adapter to resolve. */
    public boolean isDnsResolved() {
        return resolution == Resolution.DNS || resolution == Resolution.DNS_ROUND_ROBIN;
    }

    /** The host is a wildcard such as {@code *.example.com}. */
    public boolean isWildcard() {
        return HostName.of(host).isWildcard();
    }

    /** Whether {@code exportTo} lets workloads in {@code clientNamespace} see this service. */
    public boolean isExportedTo(String clientNamespace) {
        return exportTo.contains(HostVisibility.PUBLIC) || exportTo.contains(clientNamespace);
    }

    @Override
    public String toString() {
        return "MeshService{" + host + " (" + source + "), ports=" + ports.stream().map(ServicePortSpec::number).toList()
                + ", " + resolution + ", endpoints=" + endpointTable + "}";
    }
}
