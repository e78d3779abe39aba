package io.proxyless.mesh.api.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.AuthorizationPolicy;
import io.proxyless.mesh.api.AuthorizationPolicy.Action;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.loader.ConfigLoader;
import io.proxyless.mesh.api.loader.LoadedConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** AuthorizationPolicy rules, each shown failing on YAML loaded by the real loader. The spec starts on line 6. */
class AuthorizationPolicyValidatorTest {
    private static String at(int line, String rest) {
        return "ap.yaml:%d: AuthorizationPolicy default/authz: ".formatted(line) + rest;
    }

    private static String warning(int line, String rest) {
        return "warning: " + at(line, rest);
    }

    private static List<String> problems(String spec) {
        return Loaded.problems("ap.yaml", "AuthorizationPolicy", "authz", spec);
    }

    private static List<String> errors(String spec) {
        return Loaded.errors("ap.yaml", "AuthorizationPolicy", "authz", spec);
    }

    @Test
    void loadsAsASecurityKindInV1AndV1beta1() {
        for (String version : List.of("v1", "v1beta1")) {
            LoadedConfig config = ConfigLoader.create().loadString("ap.yaml", """
                    apiVersion: security.istio.io/%s
                    kind: AuthorizationPolicy
                    metadata: {name: reviews-viewer, namespace: bookinfo}
                    spec:
                      selector:
                        matchLabels: {app: reviews}
                      action: ALLOW
                      rules:
                      - from:
                        - source:
                            principals: [cluster.local/ns/bookinfo/sa/productpage]
                            notNamespaces: [legacy]
                            ipBlocks: [10.0.0.0/8, "2001:db8::1"]
                        to:
                        - operation:
                            methods: [GET]
                            paths: [/reviews/*]
                            ports: ["9080"]
                            notHosts: ["*.internal"]
                        when:
                        - key: request.headers[x-version]
                          values: [v1]
                        - key: destination.port
                          notValues: ["9443"]
                      - {}
                    """.formatted(version));
            assertThat(config.problems()).as(version).isEmpty();
            assertThat(config.resources(ResourceKind.AUTHORIZATION_POLICY)).singleElement().satisfies(r -> {
                AuthorizationPolicy ap = (AuthorizationPolicy) r.spec();
                assertThat(ap.action()).isEqualTo(Action.ALLOW);
                assertThat(ap.rules()).hasSize(2);
                assertThat(ap.rules().get(0).from().get(0).source().principals())
                        .containsExactly("cluster.local/ns/bookinfo/sa/productpage");
                assertThat(ap.rules().get(0).to().get(0).operation().paths()).containsExactly("/reviews/*");
                assertThat(ap.rules().get(0).when().get(1).notValues()).containsExactly("9443");
                assertThat(ap.rules().get(1).from()).isEmpty();
            });
        }
    }

    @Test
    void actionDefaultsToAllowAndAPolicyWithoutRulesIsValid() {
        LoadedConfig config = ConfigLoader.create().loadString("ap.yaml", """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: allow-nothing}
                spec: {}
                """);
        assertThat(config.problems()).isEmpty();
        assertThat(((AuthorizationPolicy) config.resources().get(0).spec()).actionOrDefault())
                .isEqualTo(Action.ALLOW);
    }

    @Test
    void unknownActionIsAnErrorWithASuggestion() {
        assertThat(problems("action: DENNY")).singleElement().satisfies(p -> assertThat(p)
                .startsWith(at(6, "spec.action: ")).contains("did you mean \"DENY\"?"));
    }

    @Test
    void unknownFieldIsNamedWithItsLine() {
        assertThat(problems("""
                rules:
                - from:
                  - source:
                      principal: [cluster.local/ns/default/sa/sleep]
                      namespaces: [default]
                """)).containsExactly(at(9, "spec.rules[0].from[0].source.principal: unknown field \"principal\";"
                + " did you mean \"principals\"?"));
    }

    @Test
    void denyWithoutRulesIsWarnedAbout() {
        assertThat(problems("action: DENY")).containsExactly(warning(6, "spec.action: DENY action without `rules`"
                + " is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered"
                + " for every request"));
        assertThat(problems("""
                action: DENY
                rules: [{}]
                """)).isEmpty();
    }

    @Test
    void customIsWarnedAndNeedsRulesAndAProvider() {
        String customWarning = warning(6, "spec.action: CUSTOM action is not supported by the client-side mesh: no"
                + " external authorizer is called, and requests the policy matches are denied, as Envoy does when"
                + " the authorizer can't be reached");
        assertThat(problems("""
                action: CUSTOM
                provider: {name: ext-authz}
                """)).containsExactly(customWarning, at(6, "spec.action: CUSTOM action without `rules` is"
                + " meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered"
                + " for every request"));
        assertThat(problems("""
                action: CUSTOM
                rules: [{}]
                """)).containsExactly(customWarning, at(6, "spec.action: `provider.name` must not be empty"));
        assertThat(problems("""
                action: CUSTOM
                provider: {name: ext-authz}
                rules: [{}]
                """)).containsExactly(customWarning);
    }

    @Test
    void onlyCustomMayHaveAProvider() {
        assertThat(problems("""
                action: DENY
                provider: {name: ext-authz}
                rules: [{}]
                """)).containsExactly(at(7, "spec.provider: `provider` must not be with non CUSTOM action, found"
                + " DENY"));
    }

    @Test
    void customCannotMatchOnIdentities() {
        assertThat(errors("""
                action: CUSTOM
                provider: {name: ext-authz}
                rules:
                - from:
                  - source:
                      principals: [cluster.local/ns/default/sa/sleep]
                      notNamespaces: [legacy]
                      ipBlocks: [10.0.0.0/8]
                  when:
                  - {key: source.namespace, values: [default]}
                  - {key: source.ip, values: [10.0.0.1]}
                """)).containsExactly(
                at(11, "spec.rules[0].from[0].source.principals: From.Principals is currently not supported with"
                        + " CUSTOM action"),
                at(12, "spec.rules[0].from[0].source.notNamespaces: From.NotNamespaces is currently not supported"
                        + " with CUSTOM action"),
                at(15, "spec.rules[0].when[0].key: source.namespace is currently not supported with CUSTOM action"));
    }

    @Test
    void sourcesAndOperationsMustNotBeNilOrEmpty() {
        assertThat(errors("""
                rules:
                - from:
                  - {}
                  - source: {}
                  to:
                  - {}
                  - operation: {}
                """)).containsExactly(
                at(8, "spec.rules[0].from[0]: `from.source` must not be nil"),
                at(9, "spec.rules[0].from[1].source: `from.source` must not be empty"),
                at(11, "spec.rules[0].to[0]: `to.operation` must not be nil"),
                at(12, "spec.rules[0].to[1].operation: `to.operation` must not be empty"));
    }

    @Test
    void emptyValuesAreRejected() {
        assertThat(errors("""
                rules:
                - from:
                  - source: {principals: [a, ""], notNamespaces: [""]}
                  to:
                  - operation: {methods: [""], notPaths: [/x, ""]}
                """)).containsExactly(
                at(8, "spec.rules[0].from[0].source.notNamespaces[0]: empty value not allowed, found in"
                        + " NotNamespaces"),
                at(8, "spec.rules[0].from[0].source.principals[1]: empty value not allowed, found in Principals"),
                at(10, "spec.rules[0].to[0].operation.methods[0]: empty value not allowed, found in Methods"),
                at(10, "spec.rules[0].to[0].operation.notPaths[1]: empty value not allowed, found in NotPaths"));
    }

    @Test
    void ipBlocksAreIpAddressesOrCidrBlocks() {
        assertThat(errors("""
                rules:
                - from:
                  - source:
                      ipBlocks: [10.0.0.1, 10.0.0.0/33, "fe80::1%eth0"]
                      notIpBlocks: [10.0.0.256]
                      remoteIpBlocks: [2001:db8::/129]
                      notRemoteIpBlocks: [example.com]
                """)).containsExactly(
                at(9, "spec.rules[0].from[0].source.ipBlocks[1]: bad CIDR range (10.0.0.0/33)"),
                at(9, "spec.rules[0].from[0].source.ipBlocks[2]: bad IP address (fe80::1%eth0)"),
                at(10, "spec.rules[0].from[0].source.notIpBlocks[0]: bad IP address (10.0.0.256)"),
                at(11, "spec.rules[0].from[0].source.remoteIpBlocks[0]: bad CIDR range (2001:db8::/129)"),
                at(12, "spec.rules[0].from[0].source.notRemoteIpBlocks[0]: bad IP address (example.com)"));
    }

    @Test
    void portsAreInRange() {
        assertThat(errors("""
                rules:
                - to:
                  - operation:
                      ports: ["8080", "65536"]
                      notPorts: [http]
                """)).containsExactly(
                at(9, "spec.rules[0].to[0].operation.ports[1]: bad port (65536): must be a number in 0..65535"),
                at(10, "spec.rules[0].to[0].operation.notPorts[0]: bad port (http): must be a number in 0..65535"));
    }

    @Test
    void conditionKeysMustBeKnown() {
        assertThat(errors("""
                rules:
                - when:
                  - {key: source.principals, values: [cluster.local/ns/default/sa/sleep]}
                  - {key: request.headers, values: [x]}
                  - {key: destination.namespace, values: [default]}
                  - {key: "request.header[x-token]", values: [x]}
                """)).containsExactly(
                at(8, "spec.rules[0].when[0].key: unknown attribute: source.principals; did you mean"
                        + " \"source.principal\"?"),
                at(9, "spec.rules[0].when[1].key: bad key (request.headers): should have format a[b]"),
                at(10, "spec.rules[0].when[2].key: attribute destination.namespace is replaced by the"
                        + " metadata.namespace"),
                at(11, "spec.rules[0].when[3].key: unknown attribute: request.header[x-token]; did you mean"
                        + " \"request.headers[...]\"?"));
    }

    @Test
    void conditionsNeedAKeyAndValuesOfTheirType() {
        assertThat(errors("""
                rules:
                - when:
                  - {values: [a]}
                  - {key: source.namespace}
                  - {key: source.ip, values: [10.0.0.0/40]}
                  - {key: destination.port, notValues: ["-1"]}
                  - {key: connection.sni, values: [""]}
                """)).containsExactly(
                at(8, "spec.rules[0].when[0].key: `key` must not be empty"),
                at(9, "spec.rules[0].when[1]: at least one of `values` or `notValues` must be set for key"
                        + " source.namespace"),
                at(10, "spec.rules[0].when[2].values[0]: bad CIDR range (10.0.0.0/40)"),
                at(11, "spec.rules[0].when[3].notValues[0]: bad port (-1): must be a number in 0..65535"),
                at(12, "spec.rules[0].when[4].values[0]: empty value not allowed, found in connection.sni"));
    }

    @Test
    void jwtAndRemoteAddressMatchesAreWarnedAbout() {
        assertThat(problems("""
                rules:
                - from:
                  - source: {requestPrincipals: ["*"], remoteIpBlocks: [10.0.0.0/8]}
                  when:
                  - {key: "request.auth.claims[groups]", values: [admin]}
                """)).containsExactly(
                warning(8, "spec.rules[0].from[0].source.remoteIpBlocks: \"remoteIpBlocks\" is not supported by"
                        + " the client-side mesh and has no effect: a proxyless server does not derive the original"
                        + " client's address from X-Forwarded-For or the PROXY protocol; a rule that uses it fails"
                        + " closed (an ALLOW rule never matches, a DENY rule matches without it)"),
                warning(8, "spec.rules[0].from[0].source.requestPrincipals: \"requestPrincipals\" is not supported"
                        + " by the client-side mesh and has no effect: JWTs are not validated by a proxyless server"
                        + " (RequestAuthentication is not enforced); a rule that uses it fails closed (an ALLOW rule"
                        + " never matches, a DENY rule matches without it)"),
                warning(10, "spec.rules[0].when[0].key: condition request.auth.claims[groups] is not supported by"
                        + " the client-side mesh: JWTs are not validated by a proxyless server (RequestAuthentication"
                        + " is not enforced); a rule that uses it fails closed (an ALLOW rule never matches, a DENY"
                        + " rule matches without it)"));
    }

    @Test
    void scopeIsCheckedAsForEverySecurityPolicy() {
        assertThat(errors("""
                selector:
                  matchLabels: {app: reviews}
                targetRef: {kind: Service, name: reviews}
                """)).containsExactly(at(6, "spec.selector: only one of targetRefs or workloadSelector can be set"));
    }

    @Test
    void principalsWithTheSchemeOrInAnotherFormAreWarnedAbout() {
        assertThat(problems("""
                rules:
                - from:
                  - source:
                      principals: ["spiffe://cluster.local/ns/default/sa/sleep", sleep, "cluster.local/ns/*"]
                  when:
                  - {key: source.principal, values: ["spiffe://cluster.local/ns/default/sa/sleep"]}
                """)).containsExactly(
                warning(9, "spec.rules[0].from[0].source.principals[0]: principal"
                        + " \"spiffe://cluster.local/ns/default/sa/sleep\" starts with \"spiffe://\": Istio writes"
                        + " principals without it (cluster.local/ns/default/sa/sleep), so this value never matches"),
                warning(9, "spec.rules[0].from[0].source.principals[1]: principal \"sleep\" is not of the form"
                        + " <trust domain>/ns/<namespace>/sa/<service account>, so it matches no workload identity"),
                warning(11, "spec.rules[0].when[0].values[0]: principal"
                        + " \"spiffe://cluster.local/ns/default/sa/sleep\" starts with \"spiffe://\": Istio writes"
                        + " principals without it (cluster.local/ns/default/sa/sleep), so this value never matches"));
    }

    @Test
    void explicitEmptyListsAreErrorsAsInIstio() {
        assertThat(problems("""
                rules:
                - from: []
                  to: []
                """)).containsExactly(at(7, "spec.rules[0].from: `from` must not be empty"),
                at(8, "spec.rules[0].to: `to` must not be empty"));
        assertThat(problems("""
                rules:
                - when: []
                """)).containsExactly(warning(7, "spec.rules[0].when: `when` is empty: an empty list of conditions"
                + " is the same as none"));
    }

    @Test
    void pathTemplatesAreValidatedAsIstioDoes() {
        assertThat(problems("""
                rules:
                - to:
                  - operation:
                      paths: ["/api/{*}/reviews", "/files/{**}", "/a/{**}/b/{*}", "/a/{x}", "/a/b*c/{*}"]
                      notPaths: ["/x/{**}/{**}"]
                """)).containsExactly(
                at(9, "spec.rules[0].to[0].operation.paths[2]: invalid or unsupported path a/{**}/b/{*}."
                        + " {**} is not the last operator"),
                at(9, "spec.rules[0].to[0].operation.paths[3]: invalid or unsupported path a/{x}."
                        + " Contains '{' or '}' beyond a supported path template"),
                at(9, "spec.rules[0].to[0].operation.paths[4]: invalid or unsupported path a/b*c/{*}."
                        + " Contains segment b*c with invalid string literal"),
                at(10, "spec.rules[0].to[0].operation.notPaths[0]: invalid or unsupported path x/{**}/{**}."
                        + " {**} is not the last operator"));
    }

    @Test
    void unknownWhenKeysAreErrors() {
        assertThat(errors("""
                rules:
                - when: [{key: source.principals, values: [a]}]
                """)).singleElement().satisfies(p -> assertThat(p)
                .startsWith(at(7, "spec.rules[0].when[0].key: unknown attribute: source.principals"))
                .contains("did you mean \"source.principal\"?"));
    }

    @Test
    void auditWithoutRulesAndDenyOnHttpAttributesOnlyAreWarnedAbout() {
        assertThat(problems("action: AUDIT")).containsExactly(warning(6, "spec.action: AUDIT action without"
                + " `rules` never marks a request for audit, add an empty rule `{}` if you want every request"
                + " audited"));
        assertThat(problems("""
                action: DENY
                rules:
                - to: [{operation: {methods: [POST]}}]
                - to: [{operation: {methods: [POST], ports: ["8080"]}}]
                """)).containsExactly(warning(8, "spec.rules[0]: configured AuthorizationPolicy will deny all"
                + " traffic to TCP ports under its scope due to the use of only HTTP attributes in a DENY rule;"
                + " it is recommended to explicitly specify the port"));
    }
}
