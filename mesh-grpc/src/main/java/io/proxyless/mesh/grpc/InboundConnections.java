package io.proxyless.mesh.grpc;

import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.proxyless.mesh.runtime.security.MtlsMode;
import io.proxyless.mesh.runtime.tls.TlsConfigException;

/**
 * What a mesh server needs to know when a connection arrives: the PeerAuthentication mode of the port now, and the
 * mTLS context of the workload. Asked once per connection, so a config change or a certificate rotation applies to
 * the next connection.
 */
interface InboundConnections {
    /** The port's mode in the snapshot in force. */
    MtlsMode mode(int port);

    /**
     * The server's mTLS context (workload certificate, mesh roots, client certificate required).
     *
     * @throws TlsConfigException when the mesh has no workload certificates
     */
    SslContext mtls() throws TlsConfigException;
}
