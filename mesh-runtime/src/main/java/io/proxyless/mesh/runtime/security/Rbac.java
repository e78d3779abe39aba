package io.proxyless.mesh.runtime.security;

import java.util.List;
import java.util.Objects;

/**
 * The policies of one action, as one Envoy RBAC filter holds them: the first that matches, in order.
 * An ALLOW engine that exists denies what none of its policies match, even when it has none (an ALLOW
 * AuthorizationPolicy without rules denies everything).
 *
 * @param action   the action of every policy here
 * @param policies the policies, in evaluation order
 */
public record Rbac(Action action, List<RbacPolicy> policies) {
    public Rbac {
        Objects.requireNonNull(action);
        policies = List.copyOf(policies);
    }

    /** What a matching policy means. */
    public enum Action {
        /** Fail-closed stand-in for an external authorizer (Istio CUSTOM): a match denies. */
        CUSTOM,
        /** A match denies. */
        DENY,
        /** A request must match one policy. */
        ALLOW,
        /** A match is logged; the decision does not change. */
        AUDIT
    }

    /**
     * The first policy matching {@code request}, or null. A rule whose match depends on an attribute the server
     * doesn't know (an unknown SNI) fails closed: it does not match in an ALLOW engine and matches in the others
     * (DENY, CUSTOM, AUDIT) — the rule istiod applies to attributes it can't translate.
     */
    public RbacPolicy firstMatch(InboundRequest request) {
        boolean unknownMatches = action != Action.ALLOW;
        for (RbacPolicy p : policies) {
            if (p.matches(request, unknownMatches)) {
                return p;
            }
        }
        return null;
    }
}
