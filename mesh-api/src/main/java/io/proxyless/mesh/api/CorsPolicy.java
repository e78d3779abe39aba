package io.proxyless.mesh.api;

import java.time.Duration;
import java.util.List;

/**
 * Istio {@code CorsPolicy}. Parsed so that VirtualServices written for sidecars load unchanged, but never acted
 * on: CORS is a contract between a browser and a server (see {@link HTTPRoute#corsPolicy()}).
 *
 * @param allowOrigin         exact origins; deprecated by Istio
 * @param allowOrigins        origin matches
 * @param allowMethods        allowed methods
 * @param allowHeaders        allowed request headers
 * @param exposeHeaders       response headers browsers may read
 * @param maxAge              how long preflight results may be cached
 * @param allowCredentials    whether credentials may be sent
 * @param unmatchedPreflights what to do with preflight requests from origins that do not match
 */
public record CorsPolicy(
        @DeprecatedField("allowOrigins")
        List<String> allowOrigin,
        List<StringMatch> allowOrigins,
        List<String> allowMethods,
        List<String> allowHeaders,
        List<String> exposeHeaders,
        Duration maxAge,
        Boolean allowCredentials,
        UnmatchedPreflights unmatchedPreflights) {

    public CorsPolicy {
        allowOrigin = Immutables.list(allowOrigin);
        allowOrigins = Immutables.list(allowOrigins);
        allowMethods = Immutables.list(allowMethods);
        allowHeaders = Immutables.list(allowHeaders);
        exposeHeaders = Immutables.list(exposeHeaders);
    }

    /** Istio {@code CorsPolicy.UnmatchedPreflights}. */
    public enum UnmatchedPreflights {
        /** Istio's default, which is {@code FORWARD}. */
        UNSPECIFIED,
        /** Pass such preflights on to the server. */
        FORWARD,
        /** Do not pass such preflights on to the server. */
        IGNORE
    }
}
