package io.proxyless.mesh.api;

import java.util.List;

/**
 * Istio {@code IstioEgressListener}: a set of hosts the workload can reach, optionally on one port.
 *
 * @param port        port of the listener; the hosts' own ports when unset
 * @param bind        address or {@code unix://} socket the proxy listens on
 * @param captureMode how outbound traffic reaches the listener
 * @param hosts       visible hosts as {@code namespace/dnsName}; namespace may be {@code *}, {@code .} or
 *                    {@code ~} (exclusion prefix); dnsName may start with {@code *.}; required
 */
public record IstioEgressListener(
        SidecarPort port,
        @NotSupported("the mesh opens no listener: the application calls through it directly")
        String bind,
        @NotSupported("no traffic is captured: the application calls through the mesh directly")
        CaptureMode captureMode,
        List<String> hosts) {

    public IstioEgressListener {
        hosts = Immutables.list(hosts);
    }

    public static IstioEgressListener of(List<String> hosts) {
        return new IstioEgressListener(null, null, null, hosts);
    }
}
