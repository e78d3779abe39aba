package io.proxyless.mesh.runtime.routing;

import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.model.HashPolicy;
import java.util.List;

/**
 * What a consistent-hash balancer hashes for a request: Envoy's route hash policies, compiled. The policies are
 * tried in order and the first that yields a value gives the key (Istio writes one); none yielding a value leaves
 * the pick to chance, as in Envoy.
 *
 * <pre>{@code
 * RequestHash hash = RequestHash.of(List.of(HashPolicy.header("x-user")));
 * String key = hash.key(request);   // the x-user header's value, or null
 * }</pre>
 */
public final class RequestHash {
    private final List<HashPolicy> policies;

    private RequestHash(List<HashPolicy> policies) {
        this.policies = List.copyOf(policies);
    }

    /** The hash of {@code policies} (in order). */
    public static RequestHash of(List<HashPolicy> policies) {
        return new RequestHash(policies);
    }

    /** The policies, in order. */
    public List<HashPolicy> policies() {
        return policies;
    }

    /** The key of {@code request}, or null when no policy yields a value. */
    public String key(RouteRequest request) {
        for (int i = 0; i < policies.size(); i++) {
            String value = value(policies.get(i), request);
            if (value != null) {
                return value;
            }
        }
        return null;
    }

    private static String value(HashPolicy policy, RouteRequest request) {
        return switch (policy.kind()) {
            case HEADER -> request.headers().get(policy.name());
            case COOKIE -> cookie(request.headers().get("cookie"), policy.name());
            case QUERY_PARAMETER -> QueryParameters.parse(request.query()).get(policy.name());
            case SOURCE_IP -> request.sourceIp();
        };
    }

    private static String cookie(String header, String name) {
        if (header == null) {
            return null;
        }
        for (String part : header.split(";")) {
            String p = part.trim();
            if (p.startsWith(name) && p.length() > name.length() && p.charAt(name.length()) == '=') {
                return p.substring(name.length() + 1);
            }
        }
        return null;
    }
}
