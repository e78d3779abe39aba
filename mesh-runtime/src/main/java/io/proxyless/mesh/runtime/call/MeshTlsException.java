package io.proxyless.mesh.runtime.call;

/**
 * TLS that a DestinationRule asks for cannot be set up on this client: certificate or key files missing or
 * invalid, {@code ISTIO_MUTUAL} without a workload certificate directory. Handshake failures (untrusted server,
 * wrong SAN, expired certificate) are the JDK's own {@link javax.net.ssl.SSLException}s, whose messages name the
 * cluster and the names expected.
 */
public final class MeshTlsException extends MeshException {
    public MeshTlsException(String host, String route, String reason, Throwable cause) {
        super(host, route, 503, reason, cause);
    }
}
