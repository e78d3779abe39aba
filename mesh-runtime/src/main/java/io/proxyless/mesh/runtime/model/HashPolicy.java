package io.proxyless.mesh.runtime.model;

import java.time.Duration;
import java.util.Objects;

/**
 * Envoy's route {@code HashPolicy}: what a ring-hash or maglev cluster hashes for a request. istiod puts the
 * DestinationRule's {@code consistentHash} here, on every route to the cluster.
 *
 * @param kind     what is hashed
 * @param name     header, cookie or query-parameter name (null for source IP)
 * @param cookiePath cookie path (cookie only), or null
 * @param cookieTtl  cookie lifetime (cookie only), or null
 * @param terminal stop at this policy when it yields a value
 */
public record HashPolicy(Kind kind, String name, String cookiePath, Duration cookieTtl, boolean terminal) {

    public enum Kind {
        HEADER,
        COOKIE,
        QUERY_PARAMETER,
        SOURCE_IP
    }

    public HashPolicy {
        Objects.requireNonNull(kind, "kind");
        if ((kind == Kind.SOURCE_IP) != (name == null)) {
            throw new IllegalArgumentException(kind + " hash policy: name " + (name == null ? "missing" : "not allowed"));
        }
    }

    public static HashPolicy header(String name) {
        return new HashPolicy(Kind.HEADER, name.toLowerCase(java.util.Locale.ROOT), null, null, false);
    }

    public static HashPolicy cookie(String name, String path, Duration ttl) {
        return new HashPolicy(Kind.COOKIE, name, path, ttl, false);
    }

    public static HashPolicy queryParameter(String name) {
        return new HashPolicy(Kind.QUERY_PARAMETER, name, null, null, false);
    }

    public static HashPolicy sourceIp() {
        return new HashPolicy(Kind.SOURCE_IP, null, null, null, false);
    }
}
