package io.proxyless.mesh.runtime.security;

import static io.proxyless.mesh.runtime.security.Policies.SLEEP;
import static io.proxyless.mesh.runtime.security.Policies.request;
import static io.proxyless.mesh.runtime.security.Policies.reviews;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** AUDIT policies logged: one INFO line per matching request, naming policy, rule, caller and request. */
class AuditLogTest {
    private static final String AUDIT_ADMIN = """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: audit-admin, namespace: default}
            spec:
              action: AUDIT
              rules:
              - to: [{operation: {methods: [GET]}}]
              - to: [{operation: {paths: [/admin/*]}}]
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: deny-delete, namespace: default}
            spec:
              action: DENY
              rules: [{to: [{operation: {methods: [DELETE]}}]}]
            """;

    private final Recording logger = new Recording();
    private final AuditLog log = new AuditLog(logger);

    private void record(InboundPolicy policy, InboundRequest request) {
        log.log(policy, request, policy.authorize(request));
    }

    @Test
    void aMatchingAuditRuleIsOneInfoLineWithPolicyRuleCallerRequestAndDecision() {
        InboundPolicy policy = reviews(AUDIT_ADMIN);
        record(policy, request(SLEEP, "DELETE", "/admin/users?x=1").port(9080).build());
        record(policy, request(null, "GET", "/reviews/1").port(9080).build());
        record(policy, request(SLEEP, "POST", "/reviews/1").port(9080).build());

        assertThat(logger.lines).containsExactly(
                "INFO AUDIT default/audit-admin rules[1]: " + SLEEP + " DELETE /admin/users?x=1 on port 9080 (denied)",
                "INFO AUDIT default/audit-admin rules[0]: plain text GET /reviews/1 on port 9080 (allowed)");
    }

    @Test
    void withoutAnAuditPolicyNothingIsMatchedOrLogged() {
        InboundPolicy policy = reviews(AUDIT_ADMIN.substring(AUDIT_ADMIN.indexOf("---") + 4));
        assertThat(policy.hasAuditPolicies()).isFalse();
        assertThat(InboundPolicy.allowAll().hasAuditPolicies()).isFalse();
        record(policy, request(SLEEP, "GET", "/admin/users").build());
        assertThat(logger.lines).isEmpty();
        assertThat(logger.asked).as("not even the logger's level is looked at").isZero();
    }

    /** An SLF4J logger that keeps what it is given. */
    private static final class Recording extends LegacyAbstractLogger {
        final List<String> lines = new ArrayList<>();
        int asked;

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
                                                   Throwable throwable) {
            lines.add(level + " " + MessageFormatter.basicArrayFormat(pattern, arguments));
        }

        @Override
        public boolean isTraceEnabled() {
            return false;
        }

        @Override
        public boolean isDebugEnabled() {
            return false;
        }

        @Override
        public boolean isInfoEnabled() {
            asked++;
            return true;
        }

        @Override
        public boolean isWarnEnabled() {
            return true;
        }

        @Override
        public boolean isErrorEnabled() {
            return true;
        }
    }
}
