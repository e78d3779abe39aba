package io.proxyless.mesh.api.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.PeerAuthentication;
import io.proxyless.mesh.api.PeerAuthentication.MutualTLS.Mode;
import io.proxyless.mesh.api.ResourceKind;
import io.proxyless.mesh.api.loader.ConfigLoader;
import io.proxyless.mesh.api.loader.LoadedConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** PeerAuthentication rules, each shown failing on YAML loaded by the real loader. The spec starts on line 6. */
class PeerAuthenticationValidatorTest {
    private static String at(int line, String rest) {
        return "pa.yaml:%d: PeerAuthentication default/mtls: ".formatted(line) + rest;
    }

    private static List<String> problems(String spec) {
        return Loaded.problems("pa.yaml", "PeerAuthentication", "mtls", spec);
    }

    @Test
    void loadsAsASecurityKindInV1AndV1beta1() {
        for (String version : List.of("v1", "v1beta1")) {
            LoadedConfig config = ConfigLoader.create().loadString("pa.yaml", """
                    apiVersion: security.istio.io/%s
                    kind: PeerAuthentication
                    metadata: {name: reviews, namespace: bookinfo}
                    spec:
                      selector:
                        matchLabels: {app: reviews}
                      mtls: {mode: STRICT}
                      portLevelMtls:
                        9080: {mode: PERMISSIVE}
                        "9443": {mode: UNSET}
                    """.formatted(version));
            assertThat(config.problems()).as(version).isEmpty();
            assertThat(config.resources(ResourceKind.PEER_AUTHENTICATION)).singleElement().satisfies(r -> {
                PeerAuthentication pa = (PeerAuthentication) r.spec();
                assertThat(r.namespace()).isEqualTo("bookinfo");
                assertThat(pa.mtls().mode()).isEqualTo(Mode.STRICT);
                assertThat(pa.portLevelMtls().get("9080").mode()).isEqualTo(Mode.PERMISSIVE);
                assertThat(pa.portLevelMtls().get("9443").modeOrUnset()).isEqualTo(Mode.UNSET);
            });
        }
    }

    @Test
    void aMeshOrNamespacePolicyNeedsNoSelectorAndDefaultsToUnset() {
        assertThat(problems("mtls: {mode: PERMISSIVE}")).isEmpty();
        LoadedConfig config = ConfigLoader.create().loadString("pa.yaml", """
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: default, namespace: istio-system}
                spec: {}
                """);
        assertThat(config.problems()).isEmpty();
        PeerAuthentication pa = (PeerAuthentication) config.resources().get(0).spec();
        assertThat(pa.mtls()).isNull();
    }

    @Test
    void unknownModeIsAnErrorWithASuggestion() {
        assertThat(problems("mtls: {mode: STRIKT}")).singleElement().satisfies(p -> assertThat(p)
                .startsWith(at(6, "spec.mtls.mode: ")).contains("did you mean \"STRICT\"?"));
    }

    @Test
    void unknownFieldIsNamedWithItsLine() {
        assertThat(problems("""
                mtls:
                  mdoe: STRICT
                """)).containsExactly(at(7, "spec.mtls.mdoe: unknown field \"mdoe\"; did you mean \"mode\"?"));
    }

    @Test
    void portLevelMtlsNeedsASelector() {
        assertThat(problems("""
                mtls: {mode: STRICT}
                portLevelMtls:
                  8080: {mode: DISABLE}
                """)).containsExactly(at(7, "spec.portLevelMtls: mesh/namespace peer authentication cannot have"
                + " port level mTLS"));
        assertThat(problems("""
                selector: {matchLabels: {}}
                portLevelMtls:
                  8080: {mode: DISABLE}
                """)).containsExactly("warning: " + at(6, "spec.selector.matchLabels: workload selector specified"
                + " without labels, which applies the policy to every workload in the namespace"), at(7, "spec.portLevelMtls: mesh/namespace peer authentication cannot have"
                + " port level mTLS"));
    }

    @Test
    void portLevelKeysArePortNumbersOtherThanZero() {
        assertThat(problems("""
                selector:
                  matchLabels: {app: reviews}
                portLevelMtls:
                  0: {mode: STRICT}
                  http: {mode: STRICT}
                  70000: {mode: STRICT}
                """)).containsExactly(
                at(9, "spec.portLevelMtls.0: port cannot be 0"),
                at(10, "spec.portLevelMtls.http: port \"http\" is not a port number (0..65535)"),
                at(11, "spec.portLevelMtls.70000: port \"70000\" is not a port number (0..65535)"));
    }

    @Test
    void selectorHasNoWildcards() {
        assertThat(problems("""
                selector:
                  matchLabels: {app: "rev*"}
                """)).containsExactly(at(7, "spec.selector.matchLabels.app: wildcard is not supported in selector:"
                + " \"app=rev*\""));
    }

    @Test
    void targetRefIsNotAPeerAuthenticationField() {
        assertThat(problems("""
                targetRef: {kind: Service, name: reviews}
                """)).singleElement().satisfies(p -> assertThat(p)
                .startsWith(at(6, "spec.targetRef: unknown field \"targetRef\"")));
    }

    @Test
    void anExplicitEmptyPortLevelMapIsAnError() {
        assertThat(problems("""
                selector: {matchLabels: {app: reviews}}
                portLevelMtls: {}
                """)).containsExactly(at(7, "spec.portLevelMtls: port level mTLS, if defined, must have at least"
                + " one element"));
    }
}
