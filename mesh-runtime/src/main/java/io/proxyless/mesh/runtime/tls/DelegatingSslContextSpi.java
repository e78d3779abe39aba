package io.proxyless.mesh.runtime.tls;

import java.security.KeyManagementException;
import java.security.SecureRandom;
import java.util.Objects;
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
 * The base of the mesh's {@link SSLContext} wrappers: every operation goes to an initialised delegate, so a wrapper
 * overrides only what it changes (how engines are opened, what client authentication they ask for) and shares the
 * delegate's session caches and its key and trust managers, which reload rotated files. {@code init} is refused:
 * the keys are the mesh's.
 *
 * <pre>{@code
 * final class NeedClientAuth extends DelegatingSslContextSpi {
 *     NeedClientAuth(SSLContext delegate) { super(delegate); }
 *     protected SSLEngine engineCreateSSLEngine() {
 *         SSLEngine engine = super.engineCreateSSLEngine();
 *         engine.setNeedClientAuth(true);
 *         return engine;
 *     }
 * }
 * SSLContext context = DelegatingSslContextSpi.sslContext(new NeedClientAuth(base));
 * }</pre>
 */
public abstract class DelegatingSslContextSpi extends SSLContextSpi {
    /** The context that does the work. */
    protected final SSLContext delegate;

    protected DelegatingSslContextSpi(SSLContext delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** An {@link SSLContext} running {@code spi}, under its delegate's provider and protocol. */
    public static SSLContext sslContext(DelegatingSslContextSpi spi) {
        return new SSLContext(spi, spi.delegate.getProvider(), spi.delegate.getProtocol()) {
        };
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
        return delegate.createSSLEngine();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
        return delegate.createSSLEngine(host, port);
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
