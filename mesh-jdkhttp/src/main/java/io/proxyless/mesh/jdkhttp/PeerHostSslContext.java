package io.proxyless.mesh.jdkhttp;

import io.proxyless.mesh.runtime.tls.DelegatingSslContextSpi;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * An {@link SSLContext} whose engines are opened for the logical host, whatever address they connect to. The JDK
 * client opens each engine for the host of the request URI, which for a mesh attempt is the endpoint's IP
 * address; server verification (the mesh trust manager's auto SAN check, the JDK's HTTPS endpoint
 * identification) must see the host the application called instead, as it would behind a sidecar. Sessions,
 * key and trust managers are the delegate's, so nothing is loaded twice.
 */
final class PeerHostSslContext extends SSLContext {

    /**
     * @param delegate  the context that does the work (the cluster's, or the application's)
     * @param peerHost  the host every engine is opened for
     * @param configure called on every new engine (SNI, session rules of the cluster's context)
     */
    PeerHostSslContext(SSLContext delegate, String peerHost, Consumer<SSLEngine> configure) {
        super(new Spi(delegate, peerHost, configure), delegate.getProvider(), delegate.getProtocol());
    }

    /** Every engine opened for the peer host and configured; the rest is the delegate's. */
    private static final class Spi extends DelegatingSslContextSpi {
        private final String peerHost;
        private final Consumer<SSLEngine> configure;

        Spi(SSLContext delegate, String peerHost, Consumer<SSLEngine> configure) {
            super(delegate);
            this.peerHost = peerHost;
            this.configure = configure;
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            return engineCreateSSLEngine(peerHost, -1);
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            SSLEngine engine = delegate.createSSLEngine(peerHost, port);
            configure.accept(engine);
            return engine;
        }
    }
}
