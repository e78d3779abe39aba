package io.proxyless.mesh.api.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.RequestAuthentication;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.loader.ConfigLoader;
import io.proxyless.mesh.api.loader.LoadedConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RequestAuthentication rules, each shown failing on YAML loaded by the real loader. The spec starts on line 6. */
class RequestAuthenticationValidatorTest {
    private static final String P = "ra.yaml:%d: RequestAuthentication default/jwt: ";
    private static final String JWT_RULES_WARNING = "\"jwtRules\" is not supported by the client-side mesh and has no"
            + " effect: JWTs are validated by the workload or gateway that receives the request, not by the calling"
            + " client";

    private static List<String> errors(String spec) {
        return Loaded.errors("ra.yaml", "RequestAuthentication", "jwt", spec);
    }

    private static String at(int line, String rest) {
        return P.formatted(line) + rest;
    }

    @Test
    void loadsAsASecurityKindInV1AndV1beta1() {
        for (String version : List.of("v1", "v1beta1")) {
            LoadedConfig config = ConfigLoader.create().loadString("ra.yaml", """
                    apiVersion: security.istio.io/%s
                    kind: RequestAuthentication
                    metadata: {name: jwt, namespace: istio-system}
                    spec:
                      selector:
                        matchLabels: {istio: ingressgateway}
                      jwtRules:
                      - issuer: https://issuer.example.com
                        jwksUri: https://issuer.example.com/keys
                        fromHeaders: [{name: x-jwt, prefix: "Bearer "}]
                        outputClaimToHeaders: [{header: x-group, claim: group}]
                        timeout: 5s
                    """.formatted(version));
            assertThat(config.errors()).as(version).isEmpty();
            assertThat(config.resources(ResourceKind.REQUEST_AUTHENTICATION)).singleElement().satisfies(r -> {
                RequestAuthentication ra = (RequestAuthentication) r.spec();
                assertThat(ra.selector().matchLabels()).containsEntry("istio", "ingressgateway");
                assertThat(ra.jwtRules()).singleElement().satisfies(rule -> {
                    assertThat(rule.issuer()).isEqualTo("https://issuer.example.com");
                    assertThat(rule.fromHeaders().get(0).prefix()).isEqualTo("Bearer ");
                });
            });
            assertThat(config.problems()).singleElement().satisfies(p -> {
                assertThat(p.line()).isEqualTo(7);
                assertThat(p.message()).isEqualTo(JWT_RULES_WARNING);
            });
        }
    }

    @Test
    void otherVersionsAndNetworkingGroupAreNotRequestAuthentications() {
        LoadedConfig alpha = ConfigLoader.create().loadString("ra.yaml", """
                apiVersion: security.istio.io/v1alpha3
                kind: RequestAuthentication
                metadata: {name: jwt}
                spec: {}
                """);
        assertThat(alpha.errors()).singleElement().satisfies(p -> assertThat(p.format()).isEqualTo(
                "ra.yaml:1: RequestAuthentication default/jwt: apiVersion: unsupported version"
                        + " \"security.istio.io/v1alpha3\"; use security.istio.io/v1 (v1beta1 is accepted too)"));
        LoadedConfig wrongGroup = ConfigLoader.create().loadString("ra.yaml", """
                apiVersion: networking.istio.io/v1
                kind: RequestAuthentication
                metadata: {name: jwt}
                spec: {}
                """);
        assertThat(wrongGroup.resources()).isEmpty();
        assertThat(wrongGroup.warnings()).singleElement().satisfies(p -> assertThat(p.message())
                .contains("is not implemented by the client-side mesh; skipped"));
    }

    @Test
    void unknownFieldsAreNamedWithTheirLine() {
        assertThat(errors("""
                jwtRules:
                - issuer: https://issuer.example.com
                  jwksUrl: https://issuer.example.com/keys
                """)).containsExactly(at(8, "spec.jwtRules[0].jwksUrl: unknown field \"jwksUrl\"; did you mean"
                + " \"jwksUri\"?"));
    }

    @Test
    void anIssuerOrAJwksUriIsRequired() {
        assertThat(errors("""
                jwtRules:
                - audiences: [shop]
                """)).containsExactly(at(7, "spec.jwtRules[0].issuer: issuer or jwksUri must be non-empty string"));
        assertThat(errors("""
                jwtRules:
                - jwksUri: https://issuer.example.com/keys
                """)).isEmpty();
    }

    @Test
    void jwtRuleFieldsFollowIstiosRules() {
        assertThat(errors("""
                jwtRules:
                - issuer: https://issuer.example.com
                  audiences: [shop, ""]
                  jwksUri: ftp://issuer.example.com/keys
                  jwks: "{not json"
                  fromHeaders: [{prefix: "Bearer "}]
                  fromParams: [""]
                  fromCookies: [""]
                  outputClaimToHeaders:
                  - {header: x-group}
                  - {header: "x group", claim: group}
                  timeout: 0s
                """)).containsExactly(
                at(8, "spec.jwtRules[0].audiences[1]: audience must be non-empty string"),
                at(9, "spec.jwtRules[0].jwksUri: URI scheme \"ftp\" is not supported"),
                at(10, "spec.jwtRules[0].jwks: jwks parse error: Unexpected character ('n' (code 110)): was expecting"
                        + " double-quote to start field name"),
                at(11, "spec.jwtRules[0].fromHeaders[0].name: location header name must be non-empty string"),
                at(12, "spec.jwtRules[0].fromParams[0]: location query must be non-empty string"),
                at(13, "spec.jwtRules[0].fromCookies[0]: cookie name must be non-empty string"),
                at(15, "spec.jwtRules[0].outputClaimToHeaders[0]: outputClaimToHeaders header and claim value must be"
                        + " non-empty string"),
                at(16, "spec.jwtRules[0].outputClaimToHeaders[1].header: header name x group is not a valid header"
                        + " name"),
                at(17, "spec.jwtRules[0].timeout: duration must be greater than 1ms"));
    }

    @Test
    void selectorAndTargetRefsAreExclusiveAndChecked() {
        assertThat(errors("""
                selector:
                  matchLabels: {app: "*"}
                targetRefs:
                - {kind: Gateway, group: gateway.networking.k8s.io, name: web, namespace: edge}
                - {kind: Deployment, name: web}
                """)).containsExactly(
                at(6, "spec.selector: only one of targetRefs or workloadSelector can be set"),
                at(7, "spec.selector.matchLabels.app: wildcard is not supported in selector: \"app=*\""),
                at(9, "spec.targetRefs[0].namespace: targetRef namespace must not be set; cross namespace"
                        + " referencing is not supported"),
                at(10, "spec.targetRefs[1].kind: targetRef must be to one of [core/Service"
                        + " networking.istio.io/ServiceEntry gateway.networking.k8s.io/Gateway"
                        + " gateway.networking.k8s.io/GatewayClass] but was /Deployment"));
        assertThat(errors("""
                targetRef: {kind: Service, name: reviews}
                """)).isEmpty();
    }
}
