package io.proxyless.mesh.runtime.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The key manager of a policy without client certificate (SIMPLE): presents nothing, but remembers, per thread,
 * that a server asked for a certificate. A server that requires one often just hangs up (under TLS 1.3 after the
 * client thinks the handshake is done), leaving the client with "Broken pipe"; this lets the adapter say why.
 */
final class NoClientCertificateKeyManager extends X509ExtendedKeyManager {
    private final ThreadLocal<Boolean> requested = new ThreadLocal<>();

    /** True when, since the last {@link #clear()}, a server on this thread asked for a client certificate. */
    boolean take() {
        boolean r = Boolean.TRUE.equals(requested.get());
        requested.remove();
        return r;
    }

    void clear() {
        requested.remove();
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        requested.set(Boolean.TRUE);
        return null;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        requested.set(Boolean.TRUE);
        return null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return null;
    }
}
