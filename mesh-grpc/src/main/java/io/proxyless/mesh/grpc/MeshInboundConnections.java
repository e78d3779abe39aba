package io.proxyless.mesh.grpc;

import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.security.MtlsMode;
import io.proxyless.mesh.runtime.tls.TlsConfigException;
import javax.net.ssl.SSLContext;

/** {@link InboundConnections} of a {@link Mesh}: its inbound policy and its workload certificates. */
final class MeshInboundConnections implements InboundConnections {
    /** The netty wrapper of the last JDK context the mesh handed out; rebuilt only when that context changes. */
    private record Wrapped(SSLContext jdk, SslContext netty) {
    }

    private final Mesh mesh;
    private volatile Wrapped wrapped;

    MeshInboundConnections(Mesh mesh) {
        this.mesh = mesh;
    }

    @Override
    public MtlsMode mode(int port) {
        // A server built for port 0 learns its port here; telling the mesh again is a cheap no-op.
        mesh.serveInbound(port);
        return mesh.inbound().mtlsMode(port);
    }

    @Override
    public SslContext mtls() throws TlsConfigException {
        // The JDK context's key and trust managers reload rotated files themselves; the wrapper only adds ALPN
        // and the client-certificate requirement, so it is kept for as long as the mesh hands out the same context.
        SSLContext jdk = mesh.serverTls().sslContext(true);
        Wrapped w = wrapped;
        if (w == null || w.jdk() != jdk) {
            w = new Wrapped(jdk, ServerSslContexts.mutualTls(jdk));
            wrapped = w;
        }
        return w.netty();
    }
}
