package io.proxyless.mesh.runtime.security;

/**
 * What {@link InboundPolicy#authorize} decided for one request, and why: the policy and rule that decided (none
 * when no policy applies, or when ALLOW policies exist and none matched). A denied request is answered as Envoy
 * answers it: HTTP 403 or gRPC {@code PERMISSION_DENIED}, with the body/description {@link #DENIED_MESSAGE}.
 *
 * <pre>{@code
 * AuthorizationDecision d = mesh.inbound().authorize(request);
 * if (!d.allowed()) {
 *     response.sendError(403, AuthorizationDecision.DENIED_MESSAGE);
 * }
 * }</pre>
 *
 * @param allowed whether the request may pass
 * @param policy  the deciding policy as {@code namespace/name}, or null
 * @param rule    the index of the deciding rule in that policy's {@code rules}, or null
 * @param action  the deciding policy's action, {@code "ALLOW"} or {@code "DENY"}, or null when no policy decided
 * @param reason  a sentence for logs and {@code mesh authz}
 */
public record AuthorizationDecision(boolean allowed, String policy, Integer rule, String action, String reason) {
    /** Envoy's answer to a request its RBAC filter denied. */
    public static final String DENIED_MESSAGE = "RBAC: access denied";

    static AuthorizationDecision noPolicy() {
        return new AuthorizationDecision(true, null, null, null,
                "no AuthorizationPolicy applies to the workload: allowed");
    }

    static AuthorizationDecision matched(boolean allowed, RbacPolicy policy, String action, String reason) {
        return new AuthorizationDecision(allowed, policy.policy(), policy.rule(), action, reason);
    }
}
