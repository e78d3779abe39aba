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

    /** True when {@code request} matches this rule. */
    public boolean matches(InboundRequest request) {
        return anyPermission(request) && anyPrincipal(request);
    }

    private boolean anyPermission(InboundRequest request) {
        for (Permission p : permissions) {
            if (p.matches(request)) {
                return true;
            }
        }
        return false;
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
