package io.proxyless.mesh.runtime.security;

import java.util.List;
import java.util.Objects;

/**
 * What a request does, as Envoy's RBAC {@code Permission} matches it: the destination side of an authorization
 * rule (Istio's {@code to.operation} and the {@code when} keys {@code destination.port} and
 * {@code connection.sni}). Immutable trees of small records, built once per snapshot.
 *
 * <p>Evaluation is three-valued: a server may not know an attribute (a servlet container that does not expose the
 * TLS server name), and a condition on it is then {@link Outcome#UNKNOWN}. Unknown propagates as in Kleene's
 * logic ({@code not} of unknown is unknown, {@code and} with a non-match is a non-match, {@code or} with a match
 * is a match), so an unknown result means "some value of the attribute would match, another would not"; the
 * engine decides what that means for its action ({@link Rbac#firstMatch}: fail closed).
 */
public sealed interface Permission {
    /**
     * Whether {@code request} has this permission, or {@link Outcome#UNKNOWN} when that depends on an attribute the
     * server doesn't know.
     */
    Outcome evaluate(InboundRequest request);

    /** True when {@code request} certainly has this permission (an unknown outcome is no match). */
    default boolean matches(InboundRequest request) {
        return evaluate(request) == Outcome.MATCH;
    }

    /** The result of a three-valued match. */
    enum Outcome {
        MATCH, NO_MATCH,
        /** Depends on an attribute the server does not know. */
        UNKNOWN;

        static Outcome of(boolean match) {
            return match ? MATCH : NO_MATCH;
        }

        Outcome not() {
            return this == MATCH ? NO_MATCH : this == NO_MATCH ? MATCH : UNKNOWN;
        }
    }

    /** Every request. */
    static Permission any() {
        return Any.INSTANCE;
    }

    /** Every request. */
    record Any() implements Permission {
        static final Any INSTANCE = new Any();

        @Override
        public Outcome evaluate(InboundRequest request) {
            return Outcome.MATCH;
        }
    }

    /** All of {@code rules}. */
    record And(List<Permission> rules) implements Permission {
        public And {
            rules = List.copyOf(rules);
        }

        @Override
        public Outcome evaluate(InboundRequest request) {
            Outcome result = Outcome.MATCH;
            for (Permission p : rules) {
                Outcome o = p.evaluate(request);
                if (o == Outcome.NO_MATCH) {
                    return o;
                }
                if (o == Outcome.UNKNOWN) {
                    result = o;
                }
            }
            return result;
        }
    }

    /** One of {@code rules}. */
    record Or(List<Permission> rules) implements Permission {
        public Or {
            rules = List.copyOf(rules);
        }

        @Override
        public Outcome evaluate(InboundRequest request) {
            Outcome result = Outcome.NO_MATCH;
            for (Permission p : rules) {
                Outcome o = p.evaluate(request);
                if (o == Outcome.MATCH) {
                    return o;
                }
                if (o == Outcome.UNKNOWN) {
                    result = o;
                }
            }
            return result;
        }
    }

    /** Not {@code rule}. */
    record Not(Permission rule) implements Permission {
        public Not {
            Objects.requireNonNull(rule);
        }

        @Override
        public Outcome evaluate(InboundRequest request) {
            return rule.evaluate(request).not();
        }
    }

    /** A request header (or {@code :method}, {@code :authority}); an absent header does not match. */
    record Header(String name, ValueMatcher value) implements Permission {
        @Override
        public Outcome evaluate(InboundRequest request) {
            return Outcome.of(value.matches(request.header(name)));
        }
    }

    /** The path without query (Envoy's {@code url_path}). */
    record UrlPath(ValueMatcher path) implements Permission {
        @Override
        public Outcome evaluate(InboundRequest request) {
            return Outcome.of(path.matches(request.urlPath()));
        }
    }

    /** The server port the request arrived on. */
    record DestinationPort(int port) implements Permission {
        @Override
        public Outcome evaluate(InboundRequest request) {
            return Outcome.of(request.port() == port);
        }
    }

    /**
     * The TLS server name the client asked for; a connection without SNI does not match, and one whose SNI the
     * server can't see ({@link InboundRequest#sniKnown()} false) is {@link Outcome#UNKNOWN}.
     */
    record RequestedServerName(ValueMatcher name) implements Permission {
        @Override
        public Outcome evaluate(InboundRequest request) {
            return request.sniKnown() ? Outcome.of(name.matches(request.sni())) : Outcome.UNKNOWN;
        }
    }
}
