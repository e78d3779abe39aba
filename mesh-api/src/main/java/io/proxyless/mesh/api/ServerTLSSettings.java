package io.proxyless.mesh.api;

import java.util.List;

/**
 * Istio {@code ServerTLSSettings}: TLS of a gateway {@link Server} (or of a Sidecar ingress listener). Kept for
 * completeness; a client-side mesh terminates no TLS.
 *
 * @param httpsRedirect        answer plain HTTP with a redirect to HTTPS
 * @param mode                 how TLS is handled; {@code PASSTHROUGH} when unset
 * @param serverCertificate    PEM server certificate file
 * @param privateKey           PEM private key file
 * @param caCertificates       PEM CA bundle to verify client certificates with
 * @param caCrl                PEM revocation list for client certificates
 * @param credentialName       Kubernetes secret holding the certificates
 * @param credentialNames      several such secrets (e.g. RSA and ECDSA)
 * @param caCertCredentialName secret or config map holding the CA certificates
 * @param tlsCertificates      several certificate/key file pairs
 * @param subjectAltNames      names of which a client certificate must carry one
 * @param verifyCertificateSpki base64 SHA-256 hashes of accepted client certificate SPKIs
 * @param verifyCertificateHash hex SHA-256 hashes of accepted client certificates
 * @param minProtocolVersion   lowest TLS version; TLS 1.2 when unset
 * @param maxProtocolVersion   highest TLS version
 * @param cipherSuites         allowed cipher suites
 * @param insecureSkipVerify   accept client certificates without verifying them
 */
public record ServerTLSSettings(
        Boolean httpsRedirect,
        TLSmode mode,
        String serverCertificate,
        String privateKey,
        String caCertificates,
        String caCrl,
        String credentialName,
        List<String> credentialNames,
        String caCertCredentialName,
        List<TLSCertificate> tlsCertificates,
        List<String> subjectAltNames,
        List<String> verifyCertificateSpki,
        List<String> verifyCertificateHash,
        TLSProtocol minProtocolVersion,
        TLSProtocol maxProtocolVersion,
        List<String> cipherSuites,
        Boolean insecureSkipVerify) {

    public ServerTLSSettings {
        credentialNames = Immutables.list(credentialNames);
        tlsCertificates = Immutables.list(tlsCertificates);
        subjectAltNames = Immutables.list(subjectAltNames);
        verifyCertificateSpki = Immutables.list(verifyCertificateSpki);
        verifyCertificateHash = Immutables.list(verifyCertificateHash);
        cipherSuites = Immutables.list(cipherSuites);
    }

    /** Istio {@code ServerTLSSettings.TLSmode}. */
    public enum TLSmode {
        /** Do not terminate; route by SNI. */
        PASSTHROUGH,
        /** Terminate TLS, no client certificate. */
        SIMPLE,
        /** Terminate TLS and require a client certificate. */
        MUTUAL,
        /** Like PASSTHROUGH, with the destination encoded in the SNI (multi-network east-west traffic). */
        AUTO_PASSTHROUGH,
        /** Mutual TLS with Istio-issued certificates. */
        ISTIO_MUTUAL,
        /** Request a client certificate, verify it if sent, but do not require it. */
        OPTIONAL_MUTUAL
    }

    /** Istio {@code ServerTLSSettings.TLSProtocol}. */
    public enum TLSProtocol {
        TLS_AUTO,
        TLSV1_0,
        TLSV1_1,
        TLSV1_2,
        TLSV1_3
    }

    /**
     * Istio {@code ServerTLSSettings.TLSCertificate}: one certificate/key pair.
     *
     * @param serverCertificate PEM server certificate file
     * @param privateKey        PEM private key file
     * @param caCertificates    PEM CA bundle (hidden from Istio's docs)
     */
    public record TLSCertificate(String serverCertificate, String privateKey, String caCertificates) {
    }
}
