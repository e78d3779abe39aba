package io.proxyless.mesh.grpc;

import io.grpc.netty.shaded.io.netty.handler.ssl.ApplicationProtocolConfig;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.grpc.netty.shaded.io.netty.handler.ssl.JdkSslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import javax.net.ssl.SSLContext;

/** Netty server contexts for gRPC over the mesh's mTLS. */
final class ServerSslContexts {
    /** gRPC needs HTTP/2; a client that offers no ALPN at all is still served (HTTP/2 with prior knowledge). */
    private static final ApplicationProtocolConfig H2 = new ApplicationProtocolConfig(
            ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, "h2");

    private ServerSslContexts() {
    }

    /**
     * A server context over {@code jdk} (its key and trust managers) that requires a client certificate: Istio's
     * mTLS, in STRICT and PERMISSIVE alike (PERMISSIVE means mTLS or plain text, never one-way TLS).
     */
    static SslContext mutualTls(SSLContext jdk) {
        return new JdkSslContext(jdk, false, null, IdentityCipherSuiteFilter.INSTANCE, H2, ClientAuth.REQUIRE,
                null, false);
    }
}
