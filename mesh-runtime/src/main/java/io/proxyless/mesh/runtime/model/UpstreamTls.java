package io.proxyless.mesh.runtime.model;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Envoy's {@code UpstreamTlsContext} with file-based certificates (what Istio's DestinationRule {@code tls} and
 * istiod's proxyless {@code file-watcher} certificate provider both come down to).
 *
 * @param mode               SIMPLE (server verified), MUTUAL (and a client certificate) or ISTIO_MUTUAL (the
 *                           workload certificates; the mesh client knows their directory)
 * @param clientCertificate  client certificate chain (MUTUAL), else null
 * @param privateKey         client key (MUTUAL), else null
 * @param caCertificates     roots to verify the server against, or null for the JDK's defaults
 * @param sni                SNI to send, or null for the request's host
 * @param subjectAltNames    names of which the server certificate must carry one; empty: see {@code autoSan}
 * @param insecureSkipVerify no server verification at all
 */
public record UpstreamTls(Mode mode, Path clientCertificate, Path privateKey, Path caCertificates, String sni,
                          List<String> subjectAltNames, boolean insecureSkipVerify) {

    public enum Mode {
        SIMPLE,
        MUTUAL,
        ISTIO_MUTUAL
    }

    public UpstreamTls {
        Objects.requireNonNull(mode, "mode");
        subjectAltNames = List.copyOf(subjectAltNames);
        if (mode == Mode.MUTUAL && (clientCertificate == null || privateKey == null)) {
            throw new IllegalArgumentException("MUTUAL TLS needs a client certificate and a private key");
        }
    }

    public static UpstreamTls simple(Path caCertificates, String sni, List<String> subjectAltNames) {
        return new UpstreamTls(Mode.SIMPLE, null, null, caCertificates, sni, subjectAltNames, false);
    }

    public static UpstreamTls mutual(Path clientCertificate, Path privateKey, Path caCertificates, String sni,
                                     List<String> subjectAltNames) {
        return new UpstreamTls(Mode.MUTUAL, clientCertificate, privateKey, caCertificates, sni, subjectAltNames,
                false);
    }

    public static UpstreamTls istioMutual(String sni, List<String> subjectAltNames) {
        return new UpstreamTls(Mode.ISTIO_MUTUAL, null, null, null, sni, subjectAltNames, false);
    }

    public UpstreamTls withInsecureSkipVerify() {
        return new UpstreamTls(mode, clientCertificate, privateKey, caCertificates, sni, List.of(), true);
    }
}
