package io.proxyless.mesh.runtime.security;

import static io.proxyless.mesh.runtime.security.Policies.FOO;
import static io.proxyless.mesh.runtime.security.Policies.OTHER;
import static io.proxyless.mesh.runtime.security.Policies.PRODUCTPAGE;
import static io.proxyless.mesh.runtime.security.Policies.SLEEP;
import static io.proxyless.mesh.runtime.security.Policies.get;
import static io.proxyless.mesh.runtime.security.Policies.request;
import static io.proxyless.mesh.runtime.security.Policies.reviews;
import static io.proxyless.mesh.runtime.security.Policies.withHeader;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** AuthorizationPolicy evaluation as Istio's reference and its sidecar behave. */
class InboundPolicyTest {
    private static final String HEADER = """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: %s, namespace: %s}
            spec:
            """;

    private static String policy(String name, String spec) {
        return policy(name, "default", spec);
    }

    private static String policy(String name, String namespace, String spec) {
        return HEADER.formatted(name, namespace) + spec.stripIndent().lines().map(l -> "  " + l)
                .reduce("", (a, b) -> a + b + "\n") + "---\n";
    }

    @Test
    void withoutPoliciesEverythingIsAllowed() {
        InboundPolicy p = reviews("");
        AuthorizationDecision d = p.authorize(get(null, "/"));
        assertThat(d).isEqualTo(new AuthorizationDecision(true, null, null, null, d.reason()));
        assertThat(p.mtlsMode(9080)).isEqualTo(MtlsMode.PERMISSIVE);
        assertThat(InboundPolicy.allowAll().authorize(get(null, "/")).allowed()).isTrue();
    }

    @Test
    void aNamespaceWideAllowWithPrincipalsAdmitsSleepAndRefusesOthers() {
        InboundPolicy p = reviews(policy("allow-sleep", """
                action: ALLOW
                rules:
                - from:
                  - source: {principals: [cluster.local/ns/default/sa/sleep]}
                """));
        assertThat(p.authorize(get(SLEEP, "/reviews/1")))
                .isEqualTo(new AuthorizationDecision(true, "default/allow-sleep", 0, "ALLOW",
                        "ALLOW policy default/allow-sleep rules[0] matched"));
        AuthorizationDecision other = p.authorize(get(OTHER, "/reviews/1"));
        assertThat(other.allowed()).isFalse();
        assertThat(other.policy()).isNull();
        assertThat(other.action()).isNull();
        assertThat(p.authorize(get(null, "/reviews/1")).allowed()).as("plain text has no principal").isFalse();
    }

    @Test
    void denyIsEvaluatedBeforeAllow() {
        InboundPolicy p = reviews(policy("allow-all", """
                rules: [{}]
                """) + policy("deny-sleep-posts", """
                action: DENY
                rules:
                - from: [{source: {principals: [cluster.local/ns/default/sa/sleep]}}]
                  to: [{operation: {methods: [POST]}}]
                """));
        AuthorizationDecision d = p.authorize(request(SLEEP, "POST", "/reviews/1").build());
        assertThat(d.allowed()).isFalse();
        assertThat(d.policy()).isEqualTo("default/deny-sleep-posts");
        assertThat(d.rule()).isZero();
        assertThat(d.action()).isEqualTo("DENY");
        assertThat(p.authorize(get(SLEEP, "/reviews/1")).policy()).isEqualTo("default/allow-all");
    }

    @Test
    void anAllowPolicyWithoutRulesDeniesEverythingAndADenyWithoutRulesNothing() {
        assertThat(reviews(policy("allow-nothing", "{}")).authorize(get(SLEEP, "/")).allowed()).isFalse();
        InboundPolicy deny = reviews(policy("deny-nothing", "action: DENY"));
        assertThat(deny.authorize(get(SLEEP, "/")).allowed()).isTrue();
        assertThat(reviews(policy("allow-everything", "rules: [{}]")).authorize(get(null, "/")).allowed())
                .isTrue();
    }

    @Test
    void policiesApplyByNamespaceAndSelector() {
        String others = policy("other-app", """
                selector: {matchLabels: {app: ratings}}
                """) + policy("other-namespace", "foo", "{}")
                + policy("mesh-wide-for-ratings", "istio-system", """
                selector: {matchLabels: {app: ratings}}
                """);
        assertThat(reviews(others).authorize(get(SLEEP, "/")).allowed()).isTrue();
        assertThat(reviews(others).hasAuthorizationPolicies()).isFalse();
        assertThat(reviews(policy("mine", """
                selector: {matchLabels: {app: reviews}}
                """)).authorize(get(SLEEP, "/")).allowed()).isFalse();
        assertThat(reviews(policy("mesh-wide", "istio-system", "{}")).authorize(get(SLEEP, "/")).allowed())
                .as("a root-namespace policy applies in every namespace").isFalse();
        assertThat(reviews(policy("mesh-wide-for-reviews", "istio-system", """
                selector: {matchLabels: {version: v1}}
                """)).authorize(get(SLEEP, "/")).allowed()).isFalse();
    }

    @Test
    void principalsMatchExactlyByPrefixSuffixAndPresence() {
        InboundPolicy p = reviews(policy("by-principal", """
                rules:
                - from: [{source: {principals: ["cluster.local/ns/default/sa/bookinfo-*"]}}]
                - from: [{source: {principals: ["*/sa/sleep"]}}]
                """));
        assertThat(p.authorize(get(PRODUCTPAGE, "/")).rule()).isZero();
        assertThat(p.authorize(get(SLEEP, "/")).rule()).isEqualTo(1);
        assertThat(p.authorize(get(OTHER, "/")).allowed()).isFalse();
        InboundPolicy any = reviews(policy("any-peer", """
                rules: [{from: [{source: {principals: ["*"]}}]}]
                """));
        assertThat(any.authorize(get(OTHER, "/")).allowed()).isTrue();
        assertThat(any.authorize(get(null, "/")).allowed()).as("* needs an authenticated peer").isFalse();
    }

    @Test
    void notPrincipalsLetPlainTextThrough() {
        InboundPolicy p = reviews(policy("not-sleep", """
                rules: [{from: [{source: {notPrincipals: [cluster.local/ns/default/sa/sleep]}}]}]
                """));
        assertThat(p.authorize(get(SLEEP, "/")).allowed()).isFalse();
        assertThat(p.authorize(get(OTHER, "/")).allowed()).isTrue();
        assertThat(p.authorize(get(null, "/")).allowed()).isTrue();
    }

    @Test
    void namespacesComeFromThePrincipal() {
        InboundPolicy p = reviews(policy("from-foo", """
                rules: [{from: [{source: {namespaces: [foo]}}]}]
                """) + policy("deny-not-default", """
                action: DENY
                rules: [{from: [{source: {notNamespaces: ["def*", foo]}}]}]
                """));
        assertThat(p.authorize(get(FOO, "/")).allowed()).isTrue();
        assertThat(p.authorize(get(SLEEP, "/")).allowed()).as("no ALLOW rule for default").isFalse();
        AuthorizationDecision plain = p.authorize(get(null, "/"));
        assertThat(plain.action()).as("plain text is in no namespace").isEqualTo("DENY");
        assertThat(reviews(policy("ns", """
                rules: [{from: [{source: {namespaces: ["*"]}}]}]
                """)).authorize(get(null, "/")).allowed()).isFalse();
    }

    @Test
    void ipBlocksMatchThePeerAddress() {
        InboundPolicy p = reviews(policy("from-pods", """
                rules: [{from: [{source: {ipBlocks: [10.0.0.0/16, 192.168.1.1], notIpBlocks: [10.0.0.66]}}]}]
                """));
        assertThat(p.authorize(request(null, "GET", "/").sourceIp("10.0.200.1").build()).allowed()).isTrue();
        assertThat(p.authorize(request(null, "GET", "/").sourceIp("192.168.1.1").build()).allowed()).isTrue();
        assertThat(p.authorize(request(null, "GET", "/").sourceIp("10.0.0.66").build()).allowed()).isFalse();
        assertThat(p.authorize(request(null, "GET", "/").sourceIp("10.1.0.1").build()).allowed()).isFalse();
        assertThat(p.authorize(request(null, "GET", "/").sourceIp("::1").build()).allowed()).isFalse();
    }

    @Test
    void hostsIgnoreCaseAndAreComparedWithThePortAsSent() {
        InboundPolicy p = reviews(policy("hosts", """
                rules: [{to: [{operation: {hosts: [REVIEWS:9080, "*.example.com"]}}]}]
                """));
        assertThat(p.authorize(get(null, "/")).allowed()).isTrue();
        assertThat(p.authorize(request(null, "GET", "/").host("www.Example.COM").build()).allowed()).isTrue();
        assertThat(p.authorize(request(null, "GET", "/").host("reviews").build()).allowed())
                .as("Istio matches :authority as written: no port stripping").isFalse();
    }

    @Test
    void methodsPathsAndPortsMatchAsIstiosDo() {
        InboundPolicy p = reviews(policy("ops", """
                rules:
                - to:
                  - operation:
                      methods: [GET, "HEAD"]
                      paths: [/reviews/*, "*/health", /exact]
                      notPaths: [/reviews/secret]
                      ports: ["9080"]
                """));
        assertThat(p.authorize(get(null, "/reviews/1?x=/secret")).allowed()).as("query is not part of the path")
                .isTrue();
        assertThat(p.authorize(get(null, "/exact")).allowed()).isTrue();
        assertThat(p.authorize(get(null, "/exact/")).allowed()).isFalse();
        assertThat(p.authorize(get(null, "/a/b/health")).allowed()).isTrue();
        assertThat(p.authorize(get(null, "/reviews/secret")).allowed()).isFalse();
        assertThat(p.authorize(request(null, "POST", "/reviews/1").build()).allowed()).isFalse();
        assertThat(p.authorize(request(null, "get", "/reviews/1").build()).allowed()).as("methods are exact")
                .isFalse();
        assertThat(p.authorize(request(null, "GET", "/reviews/1").port(8080).build()).allowed()).isFalse();
    }

    @Test
    void grpcCallsAreMatchedAsPostOnTheirMethodPath() {
        InboundPolicy p = reviews(policy("grpc", """
                rules: [{to: [{operation: {methods: [POST], paths: [/bookinfo.Reviews/*]}}]}]
                """));
        assertThat(p.authorize(request(SLEEP, "POST", "/bookinfo.Reviews/Get").build()).allowed()).isTrue();
        assertThat(p.authorize(request(SLEEP, "POST", "/bookinfo.Ratings/Get").build()).allowed()).isFalse();
    }

    @Test
    void pathTemplatesMatchWholeSegments() {
        InboundPolicy p = reviews(policy("templates", """
                rules:
                - to: [{operation: {paths: ["/api/{*}/reviews"]}}]
                - to: [{operation: {paths: ["/files/{**}"]}}]
                """));
        assertThat(p.authorize(get(null, "/api/v1/reviews")).rule()).isZero();
        assertThat(p.authorize(get(null, "/api/v1/v2/reviews")).allowed()).isFalse();
        assertThat(p.authorize(get(null, "/api//reviews")).allowed()).isFalse();
        assertThat(p.authorize(get(null, "/files/a/b/c.txt")).rule()).isEqualTo(1);
        assertThat(p.authorize(get(null, "/files")).allowed()).isFalse();
    }

    @Test
    void whenConditionsCoverSourceRequestAndConnection() {
        InboundPolicy p = reviews(policy("when", """
                rules:
                - when:
                  - {key: source.principal, values: [cluster.local/ns/default/sa/sleep]}
                  - {key: source.namespace, values: [default]}
                  - {key: source.ip, values: [10.0.0.0/8]}
                  - {key: destination.port, values: ["9080"]}
                  - {key: "request.headers[X-Version]", values: ["v*"], notValues: [v0]}
                - when:
                  - {key: connection.sni, values: ["*.reviews.svc.cluster.local"]}
                """));
        assertThat(p.authorize(withHeader(SLEEP, "x-version", "v2")).rule()).isZero();
        assertThat(p.authorize(withHeader(SLEEP, "x-version", "v0")).allowed()).isFalse();
        assertThat(p.authorize(withHeader(OTHER, "x-version", "v2")).allowed()).isFalse();
        assertThat(p.authorize(get(SLEEP, "/")).allowed()).as("an absent header does not match").isFalse();
        assertThat(p.authorize(request(null, "GET", "/")
                .sni("outbound_.9080_._.reviews.svc.cluster.local").build()).rule()).isEqualTo(1);
    }

    @Test
    void anUnknownSniFailsClosed() {
        InboundPolicy allow = reviews(policy("allow-sni", """
                rules:
                - when: [{key: connection.sni, values: ["*.reviews.svc.cluster.local"]}]
                - to: [{operation: {paths: ["/public"]}}]
                  when: [{key: connection.sni, notValues: ["admin.*"]}]
                """));
        assertThat(allow.authorize(request(SLEEP, "GET", "/").sniUnknown().build()).allowed())
                .as("ALLOW: an unknown SNI matches no value").isFalse();
        assertThat(allow.authorize(request(SLEEP, "GET", "/public").sniUnknown().build()).allowed())
                .as("ALLOW: nor escapes a notValues").isFalse();
        assertThat(allow.authorize(request(SLEEP, "GET", "/public").sni(null).build()).rule())
                .as("no SNI sent is known: not admin.*").isEqualTo(1);

        InboundPolicy deny = reviews(policy("deny-sni", """
                action: DENY
                rules: [{when: [{key: connection.sni, values: [admin.example]}]}]
                """));
        AuthorizationDecision d = deny.authorize(request(SLEEP, "GET", "/").sniUnknown().build());
        assertThat(d.allowed()).as("DENY: an unknown SNI might be admin.example").isFalse();
        assertThat(d.policy()).isEqualTo("default/deny-sni");
        assertThat(deny.authorize(request(SLEEP, "GET", "/").sni("reviews.example").build()).allowed()).isTrue();
        assertThat(request(SLEEP, "GET", "/").build().sniKnown()).isTrue();

        InboundPolicy denyNot = reviews(policy("deny-not-sni", """
                action: DENY
                rules: [{when: [{key: connection.sni, notValues: [reviews.example]}]}]
                """));
        assertThat(denyNot.authorize(request(SLEEP, "GET", "/").sniUnknown().build()).allowed())
                .as("DENY with notValues: an unknown SNI might be another name").isFalse();
        assertThat(denyNot.authorize(request(SLEEP, "GET", "/").sni("reviews.example").build()).allowed()).isTrue();

        InboundPolicy audit = reviews(policy("audit-sni", """
                action: AUDIT
                rules: [{when: [{key: connection.sni, values: [admin.example]}]}]
                """));
        assertThat(audit.audit(request(SLEEP, "GET", "/").sniUnknown().build())).isNotNull();
    }

    @Test
    void headersWithSeveralValuesAreMatchedJoined() {
        InboundPolicy p = reviews(policy("header", """
                rules: [{when: [{key: "request.headers[x-a]", values: ["1,2"]}]}]
                """));
        assertThat(p.authorize(request(null, "GET", "/").headers(Map.of("X-A", java.util.List.of("1", "2")))
                .build()).allowed()).isTrue();
    }

    @Test
    void whatCannotBeEvaluatedFailsClosed() {
        InboundPolicy allow = reviews(policy("jwt", """
                rules:
                - from: [{source: {requestPrincipals: ["*"]}}]
                - from: [{source: {principals: [cluster.local/ns/default/sa/sleep]}}]
                  when: [{key: "request.auth.claims[group]", values: [admin]}]
                - to: [{operation: {paths: [/public]}}]
                """));
        assertThat(allow.authorize(get(SLEEP, "/private")).allowed()).isFalse();
        assertThat(allow.authorize(get(SLEEP, "/public")).rule()).isEqualTo(2);
        assertThat(allow.warnings()).hasSize(2).allMatch(w -> w.contains("never matches (fail closed)"));

        InboundPolicy deny = reviews(policy("deny-without-jwt", """
                action: DENY
                rules: [{from: [{source: {notRequestPrincipals: ["*"]}}], to: [{operation: {paths: [/admin]}}]}]
                """));
        assertThat(deny.authorize(get(SLEEP, "/admin")).allowed()).as("the DENY rule matches without it").isFalse();
        assertThat(deny.authorize(get(SLEEP, "/other")).allowed()).isTrue();
        assertThat(deny.warnings()).singleElement().asString().contains("matches without it");
    }

    @Test
    void customPoliciesDenyWhatTheyMatch() {
        InboundPolicy p = reviews(policy("ext-authz", """
                action: CUSTOM
                provider: {name: my-authz}
                rules: [{to: [{operation: {paths: [/admin/*]}}]}]
                """));
        AuthorizationDecision d = p.authorize(get(SLEEP, "/admin/users"));
        assertThat(d.allowed()).isFalse();
        assertThat(d.action()).isEqualTo("DENY");
        assertThat(d.reason()).contains("CUSTOM");
        assertThat(p.authorize(get(SLEEP, "/reviews")).allowed()).isTrue();
        assertThat(p.warnings()).anyMatch(w -> w.contains("CUSTOM"));
    }

    @Test
    void auditPoliciesNeverDecide() {
        InboundPolicy p = reviews(policy("audit-admin", """
                action: AUDIT
                rules: [{to: [{operation: {paths: [/admin]}}]}]
                """));
        assertThat(p.authorize(get(SLEEP, "/admin")).allowed()).isTrue();
        assertThat(p.audit(get(SLEEP, "/admin"))).hasToString("default/audit-admin rules[0]");
        assertThat(p.audit(get(SLEEP, "/reviews"))).isNull();
    }

    @Test
    void theReportedPolicyIsTheFirstInEnvoysOrder() {
        InboundPolicy p = reviews(policy("b", "action: DENY\nrules: [{}]") + policy("a", "action: DENY\nrules: [{}]"));
        assertThat(p.authorize(get(SLEEP, "/")).policy()).isEqualTo("default/a");
    }

    @Test
    void policiesWithTargetRefsDoNotApplyToTheWorkload() {
        InboundPolicy p = reviews(policy("waypoint", """
                targetRefs: [{kind: Service, group: "", name: reviews}]
                """));
        assertThat(p.hasAuthorizationPolicies()).isFalse();
    }
}
