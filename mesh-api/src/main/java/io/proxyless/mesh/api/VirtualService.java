package io.proxyless.mesh.api;

import java.util.List;

/**
 * Spec of an Istio {@code VirtualService}: the routing rules applied to requests addressed to {@link #hosts()}.
 *
 * <pre>{@code
 * VirtualService reviews = VirtualService.of(List.of("reviews"), List.of(
 *         HTTPRoute.of(List.of(HTTPMatchRequest.ofHeaders(Map.of("end-user", StringMatch.exact("jason")))),
 *                 List.of(HTTPRouteDestination.of(Destination.of("reviews", "v2")))),
 *         HTTPRoute.routeTo(HTTPRouteDestination.of(Destination.of("reviews", "v1")))));
 * }</pre>
 *
 * @param hosts    destination hosts the rules apply to: short names, FQDNs, wildcards ({@code *.example.com})
 * @param gateways gateways and sidecars the rules apply to; {@code mesh} (the default when empty) means all
 *                 sidecars, and so also this client
 * @param http     HTTP routes, evaluated in order; the first match wins
 * @param tls      TLS/HTTPS passthrough routes (SNI based)
 * @param tcp      opaque TCP routes
 * @param exportTo namespaces that can see this VirtualService ({@code .}, {@code *} or a name); all when empty
 */
public record VirtualService(
        List<String> hosts,
        List<String> gateways,
        List<HTTPRoute> http,
        @NotSupported("TLS passthrough routing happens below the HTTP client; the mesh routes HTTP and gRPC calls only")
        List<TLSRoute> tls,
        @NotSupported("opaque TCP routing happens below the HTTP client; the mesh routes HTTP and gRPC calls only")
        List<TCPRoute> tcp,
        List<String> exportTo) {

    public VirtualService {
        hosts = Immutables.list(hosts);
        gateways = Immutables.list(gateways);
        http = Immutables.list(http);
        tls = Immutables.list(tls);
        tcp = Immutables.list(tcp);
        exportTo = Immutables.list(exportTo);
    }

    /** A VirtualService for {@code hosts} with HTTP routes only, visible to all namespaces and bound to the mesh. */
    public static VirtualService of(List<String> hosts, List<HTTPRoute> http) {
        return new VirtualService(hosts, List.of(), http, List.of(), List.of(), List.of());
    }
}
