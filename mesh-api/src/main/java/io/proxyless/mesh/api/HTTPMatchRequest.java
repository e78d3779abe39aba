package io.proxyless.mesh.api;

import java.util.List;
import java.util.Map;

/**
 * Istio {@code HTTPMatchRequest}: conditions a request must meet for an {@link HTTPRoute} to apply. All set
 * conditions must hold (AND); the blocks of one route are alternatives (OR).
 *
 * <pre>{@code
 * HTTPMatchRequest jason = HTTPMatchRequest.ofHeaders(Map.of("end-user", StringMatch.exact("jason")));
 * HTTPMatchRequest api = HTTPMatchRequest.ofUri(StringMatch.prefix("/api/"));
 * }</pre>
 *
 * @param name            name of the match, appended to the route's name in logs and dumps
 * @param uri             path match (query string excluded for exact and regex)
 * @param scheme          URI scheme match
 * @param method          HTTP method match
 * @param authority       authority (Host header) match
 * @param headers         header name (case-insensitive) → value match; {@code {}} means "present"
 * @param port            port the request is addressed to
 * @param sourceLabels    labels this client's workload must carry (a selector, not a per-request match)
 * @param gateways        gateways the match applies to; overrides the VirtualService's {@code gateways}
 * @param queryParams     query parameter → value match (exact, prefix, regex); {@code {}} means "present"
 * @param ignoreUriCase   compare {@code uri} exact/prefix matches case-insensitively
 * @param withoutHeaders  header conditions that must NOT hold
 * @param sourceNamespace namespace this client's workload must be in (a selector)
 * @param statPrefix      prefix for Envoy's per-route statistics
 */
public record HTTPMatchRequest(
        String name,
        StringMatch uri,
        StringMatch scheme,
        StringMatch method,
        StringMatch authority,
        Map<String, StringMatch> headers,
        Integer port,
        Map<String, String> sourceLabels,
        List<String> gateways,
        Map<String, StringMatch> queryParams,
        Boolean ignoreUriCase,
        Map<String, StringMatch> withoutHeaders,
        String sourceNamespace,
        @NotSupported("it names Envoy proxy statistics; the mesh reports per-route events through its listener instead")
        String statPrefix) {

    public HTTPMatchRequest {
        headers = Immutables.map(headers);
        sourceLabels = Immutables.map(sourceLabels);
        gateways = Immutables.list(gateways);
        queryParams = Immutables.map(queryParams);
        withoutHeaders = Immutables.map(withoutHeaders);
    }

    /** A match on the path only. */
    public static HTTPMatchRequest ofUri(StringMatch uri) {
        return new HTTPMatchRequest(null, uri, null, null, null, Map.of(), null, Map.of(), List.of(), Map.of(),
                null, Map.of(), null, null);
    }

    /** A match on request headers only. */
    public static HTTPMatchRequest ofHeaders(Map<String, StringMatch> headers) {
        return new HTTPMatchRequest(null, null, null, null, null, headers, null, Map.of(), List.of(), Map.of(),
                null, Map.of(), null, null);
    }

    /** A match on query parameters only. */
    public static HTTPMatchRequest ofQueryParams(Map<String, StringMatch> queryParams) {
        return new HTTPMatchRequest(null, null, null, null, null, Map.of(), null, Map.of(), List.of(), queryParams,
                null, Map.of(), null, null);
    }
    /** The header-name prefix that makes a {@code headers} or {@code withoutHeaders} key a JWT claim reference. */
    public static final String JWT_CLAIM_HEADER = "@request.auth.claims";

    /**
     * Whether a {@code headers}/{@code withoutHeaders} key names a claim of the request's verified JWT rather than
     * a header: {@code @request.auth.claims.a.b} or {@code @request.auth.claims[a][b]} (prefix in any case). Only
     * a gateway that validated the JWT (a RequestAuthentication) can match on such a key.
     */
    public static boolean isJwtClaimHeader(String name) {
        if (name == null || !name.regionMatches(true, 0, JWT_CLAIM_HEADER, 0, JWT_CLAIM_HEADER.length())) {
            return false;
        }
        String rest = name.substring(JWT_CLAIM_HEADER.length());
        return (rest.startsWith(".") && rest.length() > 1)
                || (rest.startsWith("[") && rest.endsWith("]") && rest.length() > 2);
    }
}
