package io.proxyless.mesh.runtime.tls;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.function.LongSupplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The server side of the mesh's mutual TLS for one workload, from Istio's workload certificate directory
 * ({@code cert-chain.pem}, {@code key.pem}, {@code root-cert.pem}): the server presents the workload certificate
 * and verifies the client's against the workload root, so a client of another CA fails in the handshake. Key and
 * trust material are re-read when the files change (checked at most once per interval, on the mesh clock), so
 * rotation needs no restart; established connections keep their certificates.
 *
 * <pre>{@code
 * SSLContext strict = mesh.serverTls().sslContext(true);
 * SSLEngine engine = strict.createSSLEngine();          // already needs a client certificate
 * ...
 * String caller = ServerTlsContext.peerIdentity(engine.getSession()); // spiffe://cluster.local/ns/default/sa/sleep
 * }</pre>
 *
 * <p>Istio's PERMISSIVE is mutual TLS <em>or</em> plain text: a TLS connection to a PERMISSIVE port must still
 * present a client certificate, so servers use {@code sslContext(true)} for every TLS connection of a STRICT or
 * PERMISSIVE port (detecting plain text before the handshake for PERMISSIVE).
 */
public final class ServerTlsContext {
    private static final String SPIFFE = "spiffe://";

    private final Path directory;
    private final ReloadingKeyManager keyManager;
    private final ReloadingTrustManager trustManager;
    private final SSLContext requireClientCertificate;
    private final SSLContext requestClientCertificate;

    private ServerTlsContext(Path directory, ReloadingKeyManager keyManager, ReloadingTrustManager trustManager)
            throws TlsConfigException {
        this.directory = directory;
        this.keyManager = keyManager;
        this.trustManager = trustManager;
        SSLContext base;
        try {
            base = SSLContext.getInstance("TLS");
            base.init(new KeyManager[] {new ServerKeyManager(keyManager)}, new TrustManager[] {trustManager}, null);
        } catch (GeneralSecurityException e) {
            throw new TlsConfigException(directory + ": cannot create a server TLS context: " + e, e);
        }
        // Both share the one base context (its session cache and managers); only the client-auth setting differs.
        this.requireClientCertificate = DelegatingSslContextSpi.sslContext(new ClientAuthSpi(base, true));
        this.requestClientCertificate = DelegatingSslContextSpi.sslContext(new ClientAuthSpi(base, false));
    }

    /**
     * Loads the workload certificates in {@code directory} now (failing when they are missing, invalid or the key
     * does not fit the certificate) and watches them.
     *
     * @param checkInterval how often, at most, the files are looked at again
     * @param nanoTime      the clock that times the checks (the mesh clock)
     */
    public static ServerTlsContext load(Path directory, Duration checkInterval, LongSupplier nanoTime)
            throws TlsConfigException {
        Path chain = directory.resolve(ClientTlsPolicy.CERT_CHAIN);
        Path key = directory.resolve(ClientTlsPolicy.KEY);
        Path root = directory.resolve(ClientTlsPolicy.ROOT_CERT);
        ReloadingKeyManager km;
        ReloadingTrustManager tm;
        try {
            km = ReloadingKeyManager.load(chain, key, checkInterval, nanoTime);
            tm = ReloadingTrustManager.load(root, checkInterval, nanoTime);
        } catch (TlsConfigException e) {
            throw new TlsConfigException("workload certificates for the server side: " + e.getMessage(), e);
        }
        return new ServerTlsContext(directory, km, tm);
    }

    /**
     * An {@link SSLContext} for server connections: it presents the workload certificate and trusts the workload
     * root. Its engines and server sockets <em>need</em> a client certificate when {@code requireClientCertificate}
     * (the mesh's mTLS: STRICT, and TLS connections of PERMISSIVE ports); otherwise they ask for one but accept a
     * client without (one-way TLS, whose caller then has no identity).
     */
    public SSLContext sslContext(boolean requireClientCertificate) {
        return requireClientCertificate ? this.requireClientCertificate : this.requestClientCertificate;
    }

    /**
     * The caller's SPIFFE identity in {@code session}: the first {@code spiffe://} URI subject alternative name of
     * the peer's verified certificate; null when the peer sent none (or the session has no peer certificate).
     */
    public static String peerIdentity(SSLSession session) {
        if (session == null) {
            return null;
        }
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
        if (chain == null || chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            return null;
        }
        for (SubjectAltNames.Name name : SubjectAltNames.of(leaf)) {
            if (name.type() == 6 && name.value().startsWith(SPIFFE)) {
                return name.value();
            }
        }
        return null;
    }

    /** The certificate chain the server presents now (after checking the files). */
    public KeyMaterial current() {
        return keyManager.current();
    }

    /** The certificate directory. */
    public Path directory() {
        return directory;
    }

    /** The trust manager of client certificates (the workload root, re-read on change). */
    public ReloadingTrustManager trustManager() {
        return trustManager;
    }

    /** The workload key pair offered as server credentials (the reloading manager only chooses client aliases). */
    private static final class ServerKeyManager extends X509ExtendedKeyManager {
        private final ReloadingKeyManager keys;

        ServerKeyManager(ReloadingKeyManager keys) {
            this.keys = keys;
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return keys.chooseEngineClientAlias(new String[] {keyType}, issuers, engine);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return keys.chooseClientAlias(new String[] {keyType}, issuers, socket);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return keys.getClientAliases(keyType, issuers);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return keys.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return keys.getPrivateKey(alias);
        }

        // A server key manager: never offers client credentials.
        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return null;
        }
    }

    /**
     * Engines, parameters and server sockets come configured for client authentication, so a container (Jetty,
     * Tomcat, Netty) given the context needs no client-auth setting of its own; the rest is the base context's.
     */
    private static final class ClientAuthSpi extends DelegatingSslContextSpi {
        private final boolean need;

        ClientAuthSpi(SSLContext base, boolean need) {
            super(base);
            this.need = need;
        }

        private SSLEngine configure(SSLEngine engine) {
            engine.setUseClientMode(false);
            if (need) {
                engine.setNeedClientAuth(true);
            } else {
                engine.setWantClientAuth(true);
            }
            return engine;
        }

        private SSLParameters configure(SSLParameters params) {
            if (need) {
                params.setNeedClientAuth(true);
            } else {
                params.setWantClientAuth(true);
            }
            return params;
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return new ServerSocketFactory(delegate.getServerSocketFactory(), need);
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            return configure(super.engineCreateSSLEngine());
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            return configure(super.engineCreateSSLEngine(host, port));
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return configure(super.engineGetDefaultSSLParameters());
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return configure(super.engineGetSupportedSSLParameters());
        }
    }

    private static final class ServerSocketFactory extends SSLServerSocketFactory {
        private final SSLServerSocketFactory base;
        private final boolean need;

        ServerSocketFactory(SSLServerSocketFactory base, boolean need) {
            this.base = base;
            this.need = need;
        }

        private ServerSocket configure(ServerSocket socket) {
            SSLServerSocket s = (SSLServerSocket) socket;
            if (need) {
                s.setNeedClientAuth(true);
            } else {
                s.setWantClientAuth(true);
            }
            return s;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return base.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return base.getSupportedCipherSuites();
        }

        @Override
        public ServerSocket createServerSocket() throws IOException {
            return configure(base.createServerSocket());
        }

        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            return configure(base.createServerSocket(port));
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog) throws IOException {
            return configure(base.createServerSocket(port, backlog));
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog, InetAddress address)
                throws IOException {
            return configure(base.createServerSocket(port, backlog, address));
        }
    }
}
