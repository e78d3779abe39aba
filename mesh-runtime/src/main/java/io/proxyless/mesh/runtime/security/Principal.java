package io.proxyless.mesh.runtime.security;

import java.util.List;
import java.util.Objects;

/**
 * Who sends a request, as Envoy's RBAC {@code Principal} matches it: the source side of an authorization rule
 * (Istio's {@code from.source} and the {@code when} keys {@code source.*} and {@code request.headers[...]}).
 * Immutable trees of small records, built once per snapshot.
 */
public sealed interface Principal {
    /** True when {@code request} comes from this principal. */
    boolean matches(InboundRequest request);

    /** Every caller. */
    static Principal any() {
        return Any.INSTANCE;
    }

    /** Every caller. */
    record Any() implements Principal {
        static final Any INSTANCE = new Any();

        @Override
        public boolean matches(InboundRequest request) {
            return true;
        }
    }

    /** All of {@code ids}. */
    record And(List<Principal> ids) implements Principal {
        public And {
            ids = List.copyOf(ids);
        }

        @Override
        public boolean matches(InboundRequest request) {
            for (Principal p : ids) {
                if (!p.matches(request)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** One of {@code ids}. */
    record Or(List<Principal> ids) implements Principal {
        public Or {
            ids = List.copyOf(ids);
        }

        @Override
        public boolean matches(InboundRequest request) {
            for (Principal p : ids) {
                if (p.matches(request)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Not {@code id}. */
    record Not(Principal id) implements Principal {
        public Not {
            Objects.requireNonNull(id);
        }

        @Override
        public boolean matches(InboundRequest request) {
            return !id.matches(request);
        }
    }

    /**
     * The peer's verified identity ({@code spiffe://…}) matches {@code name}; a plain-text caller has none, so
     * it never matches (Envoy's {@code authenticated.principal_name}).
     */
    record Authenticated(ValueMatcher name) implements Principal {
        @Override
        public boolean matches(InboundRequest request) {
            return name.matches(request.principal());
        }
    }

    /** The peer's address (not X-Forwarded-For) lies in {@code range} (Envoy's {@code direct_remote_ip}). */
    record DirectRemoteIp(CidrRange range) implements Principal {
        @Override
        public boolean matches(InboundRequest request) {
            return range.contains(request.sourceAddress());
        }
    }

    /** A request header; an absent header does not match. */
    record Header(String name, ValueMatcher value) implements Principal {
        @Override
        public boolean matches(InboundRequest request) {
            return value.matches(request.header(name));
        }
    }
}
