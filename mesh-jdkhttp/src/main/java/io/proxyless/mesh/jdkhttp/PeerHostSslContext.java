package io.proxyless.mesh.jdkhttp;

import java.security.KeyManagementException;
import java.security.SecureRandom;
import java.util.function.Consumer;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

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

    private static final class Spi extends SSLContextSpi {
        private final SSLContext delegate;
        private final String peerHost;
        private final Consumer<SSLEngine> configure;

        Spi(SSLContext delegate, String peerHost, Consumer<SSLEngine> configure) {
            this.delegate = delegate;
            this.peerHost = peerHost;
            this.configure = configure;
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random)
                throws KeyManagementException {
            throw new KeyManagementException("already initialised: the mesh manages this context's keys");
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return delegate.getSocketFactory();
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return delegate.getServerSocketFactory();
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

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return delegate.getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return delegate.getClientSessionContext();
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return delegate.getDefaultSSLParameters();
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return delegate.getSupportedSSLParameters();
        }
    }
}
