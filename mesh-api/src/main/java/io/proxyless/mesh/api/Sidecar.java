package io.proxyless.mesh.api;

import java.util.List;

/**
 * Spec of an Istio {@code Sidecar}: narrows what a workload can reach ({@link #egress()}) and what happens to
 * traffic for unknown hosts ({@link #outboundTrafficPolicy()}). For this library the workload is the client
 * process itself.
 *
 * <pre>{@code
 * Sidecar scope = Sidecar.of(null, List.of(IstioEgressListener.of(List.of("./*", "istio-system/*"))),
 *         OutboundTrafficPolicy.of(OutboundTrafficPolicy.Mode.REGISTRY_ONLY));
 * }</pre>
 *
 * @param workloadSelector      workloads this Sidecar applies to; the whole namespace when null
 * @param ingress               inbound listeners
 * @param egress                outbound listeners: which hosts are visible, per port
 * @param inboundConnectionPool connection pool for inbound traffic
 * @param outboundTrafficPolicy what to do with traffic to hosts not in the registry
 */
public record Sidecar(
        WorkloadSelector workloadSelector,
        @NotSupported("inbound traffic is served by the application's own server; the mesh only handles outbound calls")
        List<IstioIngressListener> ingress,
        List<IstioEgressListener> egress,
        @NotSupported("inbound traffic is served by the application's own server; the mesh only handles outbound calls")
        ConnectionPoolSettings inboundConnectionPool,
        OutboundTrafficPolicy outboundTrafficPolicy) {

    public Sidecar {
        ingress = Immutables.list(ingress);
        egress = Immutables.list(egress);
    }

    public static Sidecar of(WorkloadSelector workloadSelector, List<IstioEgressListener> egress,
                             OutboundTrafficPolicy outboundTrafficPolicy) {
        return new Sidecar(workloadSelector, List.of(), egress, null, outboundTrafficPolicy);
    }
}
