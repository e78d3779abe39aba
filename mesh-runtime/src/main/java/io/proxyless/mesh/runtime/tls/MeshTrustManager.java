package io.proxyless.mesh.runtime.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Server verification for one cluster: the chain against the roots (unless {@code insecureSkipVerify}), then the
 * names the cluster's {@link ClientTlsPolicy} asks for — the configured SANs, or with auto SAN validation the
 * host the connection was opened for. A failure is a {@link CertificateException} naming the cluster, the
 * certificate's SANs and what was expected, so the handshake error says why.
 */
final class MeshTrustManager extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager roots;
    private final ClientTlsPolicy policy;

    MeshTrustManager(X509ExtendedTrustManager roots, ClientTlsPolicy policy) {
        this.roots = roots;
        this.policy = policy;
    }

    private void verify(X509Certificate[] chain, String authType, String peerHost) throws CertificateException {
        if (policy.insecureSkipVerify()) {
            return;
        }
        if (chain == null || chain.length == 0) {
            throw new CertificateException(policy.cluster() + ": the server sent no certificate");
        }
        try {
            // The two-argument form: chain and validity only, no hostname check by JSSE; names are ours.
            roots.checkServerTrusted(chain, authType);
        } catch (CertificateException e) {
            throw new CertificateException(policy.cluster() + ": server certificate "
                    + chain[0].getSubjectX500Principal() + " is not trusted by " + policy.trustSource() + ": "
                    + e.getMessage(), e);
        }
        X509Certificate leaf = chain[0];
        if (policy.autoSanValidation()) {
            if (peerHost != null && !SubjectAltNames.matchesHost(leaf, peerHost)) {
                throw new CertificateException(policy.cluster() + ": server certificate "
                        + leaf.getSubjectX500Principal() + " with subject alternative names "
                        + SubjectAltNames.of(leaf) + " is not valid for host " + peerHost);
            }
            return;
        }
        List<String> expected = policy.subjectAltNames();
        if (!expected.isEmpty() && !SubjectAltNames.matchesAny(leaf, expected)) {
            throw new CertificateException(policy.cluster() + ": server certificate "
                    + leaf.getSubjectX500Principal() + " has subject alternative names " + SubjectAltNames.of(leaf)
                    + "; none matches the expected " + expected);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verify(chain, authType, null);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        String host = null;
        if (socket instanceof SSLSocket ssl) {
            SSLSession session = ssl.getHandshakeSession();
            host = session == null ? null : session.getPeerHost();
        }
        verify(chain, authType, host);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        verify(chain, authType, engine == null ? null : engine.getPeerHost());
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a client trust manager does not verify clients");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return policy.insecureSkipVerify() ? new X509Certificate[0] : roots.getAcceptedIssuers();
    }
}
