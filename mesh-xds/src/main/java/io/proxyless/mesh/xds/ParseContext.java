package io.proxyless.mesh.xds;

import io.proxyless.mesh.runtime.model.FaultInjection;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * What parsing needs to know beyond the resource itself.
 *
 * @param proxyless            the proxyless gRPC shape: timeouts come from {@code max_stream_duration}, and an
 *                             unset timeout means the listener's {@code max_stream_duration} or none (gRPC), not
 *                             Envoy's 15 s
 * @param certificateProviders the bootstrap's certificate providers, which TLS settings name
 * @param filters              the HTTP filters of the listener whose routes are parsed
 */
record ParseContext(boolean proxyless, Map<String, XdsBootstrap.CertificateProvider> certificateProviders,
                    HttpFilters filters) {
    ParseContext {
        certificateProviders = Map.copyOf(certificateProviders);
        Objects.requireNonNull(filters, "filters");
    }

    ParseContext(boolean proxyless, Map<String, XdsBootstrap.CertificateProvider> certificateProviders) {
        this(proxyless, certificateProviders, HttpFilters.DEFAULT);
    }

    static ParseContext sidecar() {
        return new ParseContext(false, Map.of());
    }

    /** The same context for the routes of a listener with {@code filters}. */
    ParseContext withFilters(HttpFilters filters) {
        return new ParseContext(proxyless, certificateProviders, filters);
    }

    /**
     * What a listener's HTTP connection manager adds to its routes.
     *
     * @param fault             whether the fault filter is in the chain (per-route fault configs apply only then)
     * @param defaultFault      the fault filter's own config, for routes without one, or null
     * @param maxStreamDuration the connection manager's {@code max_stream_duration}: the timeout of proxyless
     *                          routes that set none, or null
     */
    record HttpFilters(boolean fault, FaultInjection defaultFault, Duration maxStreamDuration) {
        /** istiod's chains: the fault filter, configured per route; no stream limit. */
        static final HttpFilters DEFAULT = new HttpFilters(true, null, null);
    }
}
