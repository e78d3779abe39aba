package io.proxyless.mesh.runtime.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** PeerAuthentication precedence as istiod composes it for one workload. */
class PeerAuthenticationTest {
    private static String pa(String name, String namespace, String spec) {
        return """
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: %s, namespace: %s}
                spec: %s
                ---
                """.formatted(name, namespace, spec);
    }

    private static InboundMtls mtls(String yaml) {
        return InboundPolicy.compile(Policies.config(yaml), "default", Map.of("app", "reviews")).mtls();
    }

    @Test
    void defaultIsPermissive() {
        assertThat(mtls("")).isEqualTo(InboundMtls.DEFAULT);
        assertThat(mtls(pa("unset", "istio-system", "{mtls: {mode: UNSET}}")).mode(9080))
                .isEqualTo(MtlsMode.PERMISSIVE);
    }

    @Test
    void workloadBeatsNamespaceBeatsMesh() {
        String mesh = pa("mesh", "istio-system", "{mtls: {mode: STRICT}}");
        String ns = pa("ns", "default", "{mtls: {mode: PERMISSIVE}}");
        String workload = pa("reviews", "default", "{selector: {matchLabels: {app: reviews}}, mtls: {mode: DISABLE}}");
        assertThat(mtls(mesh).mode(9080)).isEqualTo(MtlsMode.STRICT);
        assertThat(mtls(mesh + ns).mode(9080)).isEqualTo(MtlsMode.PERMISSIVE);
        assertThat(mtls(mesh + ns + workload).mode(9080)).isEqualTo(MtlsMode.DISABLE);
        assertThat(mtls(mesh + ns + workload).decidedBy()).isEqualTo(
                "PeerAuthentication istio-system/mesh, PeerAuthentication default/ns, "
                        + "PeerAuthentication default/reviews");
    }

    @Test
    void unsetInheritsFromTheLessSpecificLevel() {
        String mesh = pa("mesh", "istio-system", "{mtls: {mode: STRICT}}");
        assertThat(mtls(mesh + pa("ns", "default", "{mtls: {mode: UNSET}}")
                + pa("w", "default", "{selector: {matchLabels: {app: reviews}}}")).mode(9080))
                .isEqualTo(MtlsMode.STRICT);
    }

    @Test
    void portLevelModesOverrideTheWorkloadsAndUnsetInheritsIt() {
        InboundMtls m = mtls(pa("ns", "default", "{mtls: {mode: STRICT}}") + pa("reviews", "default", """
                {selector: {matchLabels: {app: reviews}}, mtls: {mode: PERMISSIVE},
                 portLevelMtls: {"8080": {mode: DISABLE}, "9090": {mode: UNSET}}}
                """));
        assertThat(m.mode(9080)).isEqualTo(MtlsMode.PERMISSIVE);
        assertThat(m.mode(8080)).isEqualTo(MtlsMode.DISABLE);
        assertThat(m.mode(9090)).isEqualTo(MtlsMode.PERMISSIVE);
    }

    @Test
    void policiesForOtherWorkloadsNamespacesOrWithSelectorsInTheRootNamespaceDoNotApply() {
        assertThat(mtls(pa("ratings", "default", "{selector: {matchLabels: {app: ratings}}, mtls: {mode: STRICT}}")
                + pa("foo", "foo", "{mtls: {mode: STRICT}}")
                + pa("root-selector", "istio-system",
                "{selector: {matchLabels: {app: reviews}}, mtls: {mode: STRICT}}")).mode(9080))
                .isEqualTo(MtlsMode.PERMISSIVE);
    }

    @Test
    void theOldestPolicyOfALevelWins() {
        assertThat(mtls(pa("first", "default", "{mtls: {mode: STRICT}}")
                + pa("second", "default", "{mtls: {mode: DISABLE}}")).mode(9080)).isEqualTo(MtlsMode.STRICT);
    }
}
