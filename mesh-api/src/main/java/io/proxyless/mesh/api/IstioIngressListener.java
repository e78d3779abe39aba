package io.proxyless.mesh.api;

/**
 * Istio {@code IstioIngressListener}: an inbound listener of a Sidecar. Parsed, not acted on (see
 * {@link Sidecar#ingress()}).
 *
 * @param port            port the listener serves; required
 * @param bind            address or {@code unix://} socket to bind
 * @param captureMode     how traffic reaches the listener
 * @param defaultEndpoint where the listener forwards to ({@code 127.0.0.1:PORT}, {@code 0.0.0.0:PORT}, {@code unix://...})
 * @param tls             TLS of the listener
 * @param connectionPool  connection pool of the listener
 */
public record IstioIngressListener(
        SidecarPort port,
        String bind,
        CaptureMode captureMode,
        String defaultEndpoint,
        ServerTLSSettings tls,
        ConnectionPoolSettings connectionPool) {
}
