package io.proxyless.mesh.runtime.security;

import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Istio's {@code AUDIT} action on a proxyless server: one INFO line, on the logger
 * {@code io.proxyless.mesh.runtime.security.AuditLog}, for every request an AUDIT policy's rule matches, whatever
 * the decision. A sidecar marks such requests for its audit sink (Stackdriver); a proxyless server has its logs.
 * Server adapters call {@link #record} once per request, after {@link InboundPolicy#authorize}:
 *
 * <pre>{@code
 * AuthorizationDecision decision = policy.authorize(request);
 * AuditLog.record(policy, request, decision);
 * }</pre>
 *
 * <p>The line names the policy ({@code namespace/name}) and rule, the caller's principal, method, path, port and
 * the decision: {@code AUDIT default/audit-admin rules[0]: spiffe://cluster.local/ns/default/sa/sleep GET
 * /admin/users on port 9080 (allowed)}. Without an AUDIT policy the call costs one field read: nothing is matched
 * or formatted.
 */
public final class AuditLog {
    private static final AuditLog DEFAULT = new AuditLog(LoggerFactory.getLogger(AuditLog.class));

    private final Logger logger;

    AuditLog(Logger logger) {
        this.logger = Objects.requireNonNull(logger);
    }

    /** Logs {@code request} if an AUDIT policy of {@code policy} matches it; {@code decision} is what was decided. */
    public static void record(InboundPolicy policy, InboundRequest request, AuthorizationDecision decision) {
        DEFAULT.log(policy, request, decision);
    }

    void log(InboundPolicy policy, InboundRequest request, AuthorizationDecision decision) {
        if (!policy.hasAuditPolicies() || !logger.isInfoEnabled()) {
            return;
        }
        RbacPolicy rule = policy.audit(request);
        if (rule != null) {
            logger.info("AUDIT {} rules[{}]: {} {} {} on port {} ({})", rule.policy(), rule.rule(),
                    request.principal() == null ? "plain text" : request.principal(), request.method(),
                    request.path(), request.port(), decision.allowed() ? "allowed" : "denied");
        }
    }
}
