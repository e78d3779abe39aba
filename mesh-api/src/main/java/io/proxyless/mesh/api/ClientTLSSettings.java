package io.proxyless.mesh.api;

import java.util.List;

/**
 * Istio {@code ClientTLSSettings}: TLS used towards the endpoints of a destination. File paths are read by the
 * client process itself.
 *
 * <pre>{@code
 * ClientTLSSettings tls = ClientTLSSettings.mode(ClientTLSSettings.TLSmode.SIMPLE);
 * }</pre>
 *
 * @param mode               TLS mode; {@code DISABLE} when unset
 * @param clientCertificate  PEM client certificate file (MUTUAL)
 * @param privateKey         PEM private key file (MUTUAL)
 * @param caCertificates     PEM CA bundle to verify the server with; system roots when unset
 * @param credentialName     Kubernetes secret holding the certificates (read by gateways only)
 * @param subjectAltNames    names of which the server certificate must carry one
 * @param sni                SNI to send
 * @param insecureSkipVerify skip server certificate and name verification
 * @param caCrl              PEM certificate revocation list file
 */
public record ClientTLSSettings(
        TLSmode mode,
        String clientCertificate,
        String privateKey,
        String caCertificates,
        @NotSupported("it names a Kubernetes secret, which the client cannot read; use the file fields")
        String credentialName,
        List<String> subjectAltNames,
        String sni,
        Boolean insecureSkipVerify,
        @NotSupported("certificate revocation lists are not read")
        String caCrl) {

    public ClientTLSSettings {
        subjectAltNames = Immutables.list(subjectAltNames);
    }

    public static ClientTLSSettings mode(TLSmode mode) {
        return new ClientTLSSettings(mode, null, null, null, null, List.of(), null, null, null);
    }

    /** Istio {@code ClientTLSSettings.TLSmode} (the proto spells it with a lower-case "mode"). */
    public enum TLSmode {
        /** Plain text. */
        DISABLE,
        /** TLS, server verified. */
        SIMPLE,
        /** Mutual TLS with the certificates given here. */
        MUTUAL,
        /** Mutual TLS with Istio-issued workload certificates. */
        ISTIO_MUTUAL
    }
}
