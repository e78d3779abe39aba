package io.proxyless.mesh.runtime.security;

import java.util.List;

/**
 * One rule of an AuthorizationPolicy as an Envoy RBAC policy: it matches a request that has one of
 * {@code permissions} and comes from one of {@code principals} (istiod writes one RBAC policy per rule).
 *
 * @param policy      the AuthorizationPolicy, {@code namespace/name}
 * @param rule        the rule's index in the policy's {@code rules}
 * @param permissions what the request may do (one must match)
 * @param principals  who may do it (one must match)
 */
public record RbacPolicy(String policy, int rule, List<Permission> permissions, List<Principal> principals) {
    public RbacPolicy {
        permissions = List.copyOf(permissions);
        principals = List.copyOf(principals);
    }

    /** True when {@code request} certainly matches this rule (a match that depends on an unknown attribute is none). */
    public boolean matches(InboundRequest request) {
        return matches(request, false);
    }

    /**
     * True when {@code request} matches this rule; {@code unknownMatches} says what a permission that depends on an
     * attribute the server doesn't know counts as (fail closed: no match for ALLOW, a match for DENY).
     */
    public boolean matches(InboundRequest request, boolean unknownMatches) {
        Permission.Outcome o = anyPermission(request);
        return (o == Permission.Outcome.MATCH || unknownMatches && o == Permission.Outcome.UNKNOWN)
                && anyPrincipal(request);
    }

    private Permission.Outcome anyPermission(InboundRequest request) {
        Permission.Outcome result = Permission.Outcome.NO_MATCH;
        for (Permission p : permissions) {
            Permission.Outcome o = p.evaluate(request);
            if (o == Permission.Outcome.MATCH) {
                return o;
            }
            if (o == Permission.Outcome.UNKNOWN) {
                result = o;
            }
        }
        return result;
    }

    private boolean anyPrincipal(InboundRequest request) {
        for (Principal p : principals) {
            if (p.matches(request)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return policy + " rules[" + rule + "]";
    }
}
