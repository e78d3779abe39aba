package io.proxyless.mesh.runtime.tls;

import com.google.common.net.InetAddresses;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.Enumeration;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Ready-to-use TLS for one {@link ClientTlsPolicy}: an {@link SSLContext} over reloading key and trust managers,
 * the trust manager (for clients that want it next to the socket factory, as OkHttp does) and a socket factory
 * that sends the policy's SNI. Long-lived: certificate rotation happens inside the managers, so the same objects
 * (and so the same connection pools) serve across rotations and config reloads.
 *
 * <pre>{@code
 * ClientTlsContext tls = contexts.forCluster(snapshot, decision.cluster()); // null: plain text
 * SSLSocketFactory sockets = tls.socketFactory();
 * }</pre>
 */
public final class ClientTlsContext {
    private final ClientTlsContexts owner;
    private final ClientTlsPolicy policy;
    private final SSLContext sslContext;
    private final X509ExtendedTrustManager trustManager;
    private final SSLSocketFactory socketFactory;
    private final ReloadingKeyManager keyManager;
    private final NoClientCertificateKeyManager noClientCertificate;
    private volatile long keyVersion;

    ClientTlsContext(ClientTlsContexts owner, ClientTlsPolicy policy, SSLContext sslContext,
                     X509ExtendedTrustManager trustManager, ReloadingKeyManager keyManager,
                     NoClientCertificateKeyManager noClientCertificate) {
        this.owner = owner;
        this.policy = policy;
        this.sslContext = sslContext;
        this.trustManager = trustManager;
        this.keyManager = keyManager;
        this.noClientCertificate = noClientCertificate;
        this.keyVersion = keyManager == null ? 0 : keyManager.version();
        this.socketFactory = new SniSocketFactory(sslContext.getSocketFactory(), policy.sni(), this);
    }

    /**
     * Called before each new connection: when the client certificate was rotated, resumable sessions are dropped,
     * since a resumed session (TLS 1.2 session id, TLS 1.3 ticket) would keep presenting the old certificate.
     */
    void beforeConnect() {
        if (noClientCertificate != null) {
            noClientCertificate.clear();
        }
        if (keyManager == null) {
            return;
        }
        long v = keyManager.version();
        if (v != keyVersion) {
            keyVersion = v;
            SSLSessionContext sessions = sslContext.getClientSessionContext();
            for (Enumeration<byte[]> ids = sessions.getIds(); ids.hasMoreElements(); ) {
                SSLSession s = sessions.getSession(ids.nextElement());
                if (s != null) {
                    s.invalidate();
                }
            }
        }
    }

    /** The contexts registry (one mesh client's) that built this context. */
    ClientTlsContexts owner() {
        return owner;
    }

    public ClientTlsPolicy policy() {
        return policy;
    }

    public SSLContext sslContext() {
        return sslContext;
    }

    /** Verifies the chain and the policy's names; also installed in {@link #sslContext()}. */
    public X509ExtendedTrustManager trustManager() {
        return trustManager;
    }

    /** Creates sockets that send the policy's SNI (or the host they are opened for). */
    public SSLSocketFactory socketFactory() {
        return socketFactory;
    }

    /**
     * True when, during a handshake on this thread since the last connection was opened, the server asked for a
     * client certificate that this policy does not have (SIMPLE mode); clears the mark. Blocking clients (OkHttp)
     * call it after a failed attempt to explain a server that hung up on them.
     */
    public boolean takeMissingClientCertificate() {
        return noClientCertificate != null && noClientCertificate.take();
    }

    /**
     * Prepares an engine (for SSLEngine-based clients such as Netty): sends the policy's SNI, else {@code host}
     * when it is a name, and drops resumable sessions after a client certificate rotation.
     */
    public void configure(SSLEngine engine, String host) {
        beforeConnect();
        SSLParameters p = engine.getSSLParameters();
        SNIServerName name = serverName(policy.sni() != null ? policy.sni() : host);
        if (name != null) {
            p.setServerNames(List.of(name));
            engine.setSSLParameters(p);
        }
    }

    /**
     * The SNI this policy sends on a connection opened for {@code host} — the policy's {@code sni}, else
     * {@code host} — or null when none can be sent (an IP address, a name SNI cannot carry). For clients that set
     * server names through {@link SSLParameters} rather than on each engine (the JDK's {@code HttpClient}).
     */
    public SNIServerName serverNameFor(String host) {
        return serverName(policy.sni() != null ? policy.sni() : host);
    }

    /**
     * An SNI host name for {@code host}, or null for an IP address or a name SNI cannot carry. Istio's in-mesh
     * SNI {@code outbound_.9080_._.reviews.default.svc.cluster.local} has underscores: Envoy accepts them, but
     * JSSE servers reject the whole handshake ({@code illegal_parameter}), so such a name is not sent.
     */
    static SNIServerName serverName(String host) {
        if (host == null || host.isEmpty() || InetAddresses.isInetAddress(host)) {
            return null;
        }
        try {
            return new SNIHostName(host);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return "ClientTlsContext{" + policy.cluster() + " " + policy.mode() + "}";
    }

    /** Wraps a factory so every TLS socket it makes sends the chosen SNI. */
    private static final class SniSocketFactory extends SSLSocketFactory {
        private final SSLSocketFactory delegate;
        private final String fixedSni;
        private final ClientTlsContext context;

        SniSocketFactory(SSLSocketFactory delegate, String fixedSni, ClientTlsContext context) {
            this.delegate = delegate;
            this.fixedSni = fixedSni;
            this.context = context;
        }

        private Socket configure(Socket socket, String host) {
            context.beforeConnect();
            if (socket instanceof SSLSocket ssl) {
                SNIServerName name = serverName(fixedSni != null ? fixedSni : host);
                if (name != null) {
                    SSLParameters p = ssl.getSSLParameters();
                    p.setServerNames(List.of(name));
                    ssl.setSSLParameters(p);
                }
            }
            return socket;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return delegate.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return delegate.getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            return configure(delegate.createSocket(s, host, port, autoClose), host);
        }

        @Override
        public Socket createSocket(Socket s, InputStream consumed, boolean autoClose) throws IOException {
            return delegate.createSocket(s, consumed, autoClose);
        }

        @Override
        public Socket createSocket() throws IOException {
            return configure(delegate.createSocket(), null);
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return configure(delegate.createSocket(host, port), host);
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return configure(delegate.createSocket(host, port, localHost, localPort), host);
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return configure(delegate.createSocket(host, port), null);
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return configure(delegate.createSocket(address, port, localAddress, localPort), null);
        }
    }
}
