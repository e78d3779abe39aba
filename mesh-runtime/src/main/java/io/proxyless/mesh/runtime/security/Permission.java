package io.proxyless.mesh.runtime.security;

import java.util.List;
import java.util.Objects;

/**
 * What a request does, as Envoy's RBAC {@code Permission} matches it: the destination side of an authorization
 * rule (Istio's {@code to.operation} and the {@code when} keys {@code destination.port} and
 * {@code connection.sni}). Immutable trees of small records, built once per snapshot.
 */
public sealed interface Permission {
    /** True when {@code request} has this permission. */
    boolean matches(InboundRequest request);

    /** Every request. */
    static Permission any() {
        return Any.INSTANCE;
    }

    /** Every request. */
    record Any() implements Permission {
        static final Any INSTANCE = new Any();

        @Override
        public boolean matches(InboundRequest request) {
            return true;
        }
    }

    /** All of {@code rules}. */
    record And(List<Permission> rules) implements Permission {
        public And {
            rules = List.copyOf(rules);
        }

        @Override
        public boolean matches(InboundRequest request) {
            for (Permission p : rules) {
                if (!p.matches(request)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** One of {@code rules}. */
    record Or(List<Permission> rules) implements Permission {
        public Or {
            rules = List.copyOf(rules);
        }

        @Override
        public boolean matches(InboundRequest request) {
            for (Permission p : rules) {
                if (p.matches(request)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Not {@code rule}. */
    record Not(Permission rule) implements Permission {
        public Not {
            Objects.requireNonNull(rule);
        }

        @Override
        public boolean matches(InboundRequest request) {
            return !rule.matches(request);
        }
    }

    /** A request header (or {@code :method}, {@code :authority}); an absent header does not match. */
    record Header(String name, ValueMatcher value) implements Permission {
        @Override
        public boolean matches(InboundRequest request) {
            return value.matches(request.header(name));
        }
    }

    /** The path without query (Envoy's {@code url_path}). */
    record UrlPath(ValueMatcher path) implements Permission {
        @Override
        public boolean matches(InboundRequest request) {
            return path.matches(request.urlPath());
        }
    }

    /** The server port the request arrived on. */
    record DestinationPort(int port) implements Permission {
        @Override
        public boolean matches(InboundRequest request) {
            return request.port() == port;
        }
    }

    /** The TLS server name the client asked for; a connection without SNI does not match. */
    record RequestedServerName(ValueMatcher name) implements Permission {
        @Override
        public boolean matches(InboundRequest request) {
            return name.matches(request.sni());
        }
    }
}
