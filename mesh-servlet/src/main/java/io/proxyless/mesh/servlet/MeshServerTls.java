package io.proxyless.mesh.servlet;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.tls.TlsConfigException;
import javax.net.ssl.SSLContext;

/**
 * The server side of Istio's mutual TLS for any JSSE server: an {@link SSLContext} that presents the workload's
 * certificate and accepts only clients with a certificate from the mesh's root.
 *
 * <pre>{@code
 * Mesh mesh = Mesh.builder().configPaths(Path.of("mesh/")).namespace("default")
 *         .istioCertificates(Path.of("/etc/certs")).build();
 * SslContextFactory.Server tls = new SslContextFactory.Server();           // Jetty 12
 * tls.setSslContext(MeshServerTls.sslContext(mesh));
 * ServerConnector connector = new ServerConnector(server,
 *         new DetectorConnectionFactory(new SslConnectionFactory(tls, "http/1.1")),   // PERMISSIVE: TLS or plain
 *         new HttpConnectionFactory());
 * }</pre>
 *
 * <p>Key and trust managers reload when istio-agent (or cert-manager, or a test) rotates the files, so a new
 * connection gets the new certificate without restarting the server. Every engine of the context needs a client
 * certificate: Istio's PeerAuthentication knows mutual TLS or plain text, never one-way TLS, so a TLS connection
 * to a STRICT or PERMISSIVE port is always mutual and a client from another CA, or with no certificate, is refused
 * in the handshake. Jetty needs no client-auth setting of its own; Tomcat applies its {@code certificateVerification}
 * to every engine, so there it must be {@code required} (its default, {@code none}, would turn client certificates
 * off), and Tomcat takes the context through its own {@code org.apache.tomcat.util.net.SSLContext} interface.
 * Whether plain text is allowed on a port (PERMISSIVE) or refused (STRICT) is
 * {@link MeshAuthorizationFilter}'s part, since an engine is made before anyone knows the port it will serve.
 */
public final class MeshServerTls {
    private MeshServerTls() {
    }

    /**
     * The server context for {@code mesh}'s workload certificates ({@code Mesh.builder().istioCertificates(dir)}).
     *
     * @throws TlsConfigException if the mesh has no workload certificates or they can't be read
     */
    public static SSLContext sslContext(Mesh mesh) throws TlsConfigException {
        return mesh.serverTls().sslContext(true);
    }
}
