package io.proxyless.mesh.runtime.tls;

import com.google.common.net.InetAddresses;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
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
    private final ClientTlsPolicy policy;
    private final SSLContext sslContext;
    private final X509ExtendedTrustManager trustManager;
    private final SSLSocketFactory socketFactory;

    ClientTlsContext(ClientTlsPolicy policy, SSLContext sslContext, X509ExtendedTrustManager trustManager) {
        this.policy = policy;
        this.sslContext = sslContext;
        this.trustManager = trustManager;
        this.socketFactory = new SniSocketFactory(sslContext.getSocketFactory(), policy.sni());
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
     * Sets the SNI an engine sends (for SSLEngine-based clients such as Netty): the policy's, else
     * {@code host} when it is a name.
     */
    public void configureSni(SSLEngine engine, String host) {
        SSLParameters p = engine.getSSLParameters();
        SNIServerName name = serverName(policy.sni() != null ? policy.sni() : host);
        if (name != null) {
            p.setServerNames(List.of(name));
            engine.setSSLParameters(p);
        }
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

        SniSocketFactory(SSLSocketFactory delegate, String fixedSni) {
            this.delegate = delegate;
            this.fixedSni = fixedSni;
        }

        private Socket configure(Socket socket, String host) {
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
