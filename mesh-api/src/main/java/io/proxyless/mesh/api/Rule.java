package io.proxyless.mesh.api;

import java.util.List;

/**
 * Istio {@code Rule} of an {@link AuthorizationPolicy}: a request matches when it matches one of {@code from}
 * (or {@code from} is empty), one of {@code to} (or {@code to} is empty) and every one of {@code when}. A rule
 * with none of them, {@code {}}, matches every request.
 *
 * @param from the sources the request may come from
 * @param to   the operations the request may perform
 * @param when further conditions, all of which must hold
 */
public record Rule(List<From> from, List<To> to, List<Condition> when) {
    public Rule {
        from = Immutables.list(from);
        to = Immutables.list(to);
        when = Immutables.list(when);
    }

    /** A rule matching requests from {@code source}. */
    public static Rule from(Source source) {
        return new Rule(List.of(new From(source)), List.of(), List.of());
    }

    /** A rule matching requests that perform {@code operation}. */
    public static Rule to(Operation operation) {
        return new Rule(List.of(), List.of(new To(operation)), List.of());
    }

    /**
     * Istio {@code Rule.From}.
     *
     * @param source the peer or request source to match
     */
    public record From(Source source) {
    }

    /**
     * Istio {@code Rule.To}.
     *
     * @param operation the request's operation to match
     */
    public record To(Operation operation) {
    }
}
