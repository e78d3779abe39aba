package io.proxyless.mesh.runtime.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proxyless.mesh.api.loader.ConfigLoader;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.config.MeshConfig;
import io.proxyless.mesh.runtime.testing.PushConfigSource;
import io.proxyless.mesh.runtime.tls.TlsConfigException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The inbound policy through {@link Mesh}: this workload's, from the snapshot in force. */
class MeshInboundTest {
    private static final String STRICT_REVIEWS = """
            apiVersion: security.istio.io/v1
            kind: PeerAuthentication
            metadata: {name: reviews, namespace: default}
            spec: {selector: {matchLabels: {app: reviews}}, mtls: {mode: STRICT}}
            ---
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: reviews, namespace: default}
            spec:
              selector: {matchLabels: {app: reviews}}
              rules: [{from: [{source: {principals: [cluster.local/ns/default/sa/sleep]}}]}]
            """;

    @TempDir
    Path dir;

    private static MeshConfig config(String yaml) {
        return MeshConfig.of(ConfigLoader.create().loadString("mesh.yaml", yaml));
    }

    @Test
    void theWorkloadsPolicyFollowsTheConfigInForce() {
        PushConfigSource source = new PushConfigSource(MeshConfig.EMPTY);
        try (Mesh mesh = Mesh.builder().configSource(source).namespace("default")
                .sourceLabels(Map.of("app", "reviews")).build()) {
            assertThat(mesh.inbound().mtlsMode(9080)).isEqualTo(MtlsMode.PERMISSIVE);
            assertThat(mesh.inbound().authorize(Policies.get(Policies.OTHER, "/")).allowed()).isTrue();

            source.push(config(STRICT_REVIEWS));
            assertThat(mesh.inbound().mtlsMode(9080)).isEqualTo(MtlsMode.STRICT);
            assertThat(mesh.inbound().authorize(Policies.get(Policies.OTHER, "/")).allowed()).isFalse();
            assertThat(mesh.inbound().authorize(Policies.get(Policies.SLEEP, "/")).allowed()).isTrue();
            assertThat(mesh.snapshot().inbound()).isSameAs(mesh.inbound());
        }
    }

    @Test
    void anotherWorkloadOfTheNamespaceIsNotSelected() {
        try (Mesh mesh = Mesh.builder().configSource(new PushConfigSource(config(STRICT_REVIEWS)))
                .namespace("default").sourceLabels(Map.of("app", "ratings")).build()) {
            assertThat(mesh.inbound().mtlsMode(9080)).isEqualTo(MtlsMode.PERMISSIVE);
            assertThat(mesh.inbound().hasAuthorizationPolicies()).isFalse();
        }
    }

    @Test
    void workloadCertificatesServeBothSides() throws Exception {
        PushConfigSource source = new PushConfigSource(MeshConfig.EMPTY);
        try (Mesh mesh = Mesh.builder().configSource(source).build()) {
            assertThat(mesh.istioCertificates()).isEmpty();
            assertThatThrownBy(mesh::serverTls).isInstanceOf(TlsConfigException.class)
                    .hasMessageContaining("istioCertificates");
        }
        try (Mesh mesh = Mesh.builder().configSource(source).istioCertificates(dir).build()) {
            assertThat(mesh.istioCertificates()).contains(dir);
            assertThat(mesh.tls().istioCertificates()).isEqualTo(dir);
            assertThatThrownBy(mesh::serverTls).as("no files in the directory yet")
                    .isInstanceOf(TlsConfigException.class).hasMessageContaining("cert-chain.pem");
        }
    }
}
