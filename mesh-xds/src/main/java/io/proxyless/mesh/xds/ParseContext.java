package io.proxyless.mesh.xds;

import java.util.Map;

/**
 * What parsing needs to know beyond the resource itself.
 *
 * @param proxyless            the proxyless gRPC shape: timeouts come from {@code max_stream_duration}, and an
 *                             unset timeout means none (gRPC), not Envoy's 15 s
 * @param certificateProviders the bootstrap's certificate providers, which TLS settings name
 */
record ParseContext(boolean proxyless, Map<String, XdsBootstrap.CertificateProvider> certificateProviders) {
    ParseContext {
        certificateProviders = Map.copyOf(certificateProviders);
    }

    static ParseContext sidecar() {
        return new ParseContext(false, Map.of());
    }
}
