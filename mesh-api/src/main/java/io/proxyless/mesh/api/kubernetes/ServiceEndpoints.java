package io.proxyless.mesh.api.kubernetes;

import io.proxyless.mesh.api.Immutables;
import io.proxyless.mesh.api.SourceInfo;
import java.util.List;

/**
 * The endpoints of one Kubernetes Service as one {@code discovery.k8s.io/v1 EndpointSlice} or one
 * {@code v1 Endpoints} object lists them. A service may have several slices.
 *
 * @param kind      {@code EndpointSlice} or {@code Endpoints}
 * @param name      the object's own name
 * @param namespace its namespace, which is the service's
 * @param service   the service it belongs to: the {@code kubernetes.io/service-name} label of a slice, the name
 *                  of an {@code Endpoints} object
 * @param ports     the ports every address in this object serves
 * @param endpoints the addresses
 * @param source    where it was written
 */
public record ServiceEndpoints(String kind, String name, String namespace, String service, List<EndpointPort> ports,
                               List<Endpoint> endpoints, SourceInfo source) {

    /** The label that ties an EndpointSlice to its Service. */
    public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    public ServiceEndpoints {
        ports = Immutables.list(ports);
        endpoints = Immutables.list(endpoints);
        source = source == null ? SourceInfo.NONE : source;
    }

    /**
     * A port of the endpoints; {@code name} matches the service port of the same name (empty for the only,
     * unnamed port).
     */
    public record EndpointPort(String name, int port, String protocol, String appProtocol) {
        public EndpointPort {
            name = name == null ? "" : name;
        }
    }

    /**
     * One address.
     *
     * @param address the IP address
     * @param ready   false for an address Kubernetes lists as not ready ({@code conditions.ready: false}, or
     *                under {@code notReadyAddresses}); istiod sends those as unhealthy
     * @param pod     the pod it belongs to ({@code targetRef} of kind Pod), whose labels become the endpoint's
     *                labels; null when not given
     * @param zone    the zone of an EndpointSlice endpoint, or null
     */
    public record Endpoint(String address, boolean ready, String pod, String zone) {
    }
}
