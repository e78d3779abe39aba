package io.proxyless.mesh.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentSettingsTest {

    @Test
    void theEnvironmentConfiguresTheAgentAsInjectionConfiguresASidecar() {
        Map<String, String> env = Map.of(
                "MESH_CONFIG_PATHS", "/etc/mesh" + File.pathSeparator + "/etc/mesh-extra",
                "POD_NAMESPACE", "shop",
                "MESH_CERTS_DIR", "/var/certs");
        AgentSettings s = AgentSettings.read(null, env::get);
        assertThat(s.configPaths()).containsExactly(Path.of("/etc/mesh"), Path.of("/etc/mesh-extra"));
        assertThat(s.namespace()).isEqualTo("shop");
        assertThat(s.certsDir()).isEqualTo(Path.of("/var/certs"));
        assertThat(s.disabled()).isFalse();
        assertThat(s.hasConfig()).isTrue();
    }

    @Test
    void workloadCertificatesAreFoundWhereIstiosAgentFindsThem(@TempDir Path root) throws Exception {
        Path spiffe = root.resolve("var/run/secrets/workload-spiffe-credentials");
        Path etcCerts = root.resolve("etc/certs");
        List<Path> istio = List.of(spiffe, etcCerts);
        Files.createDirectories(spiffe);
        Files.createDirectories(etcCerts);
        for (String f : List.of("cert-chain.pem", "key.pem", "root-cert.pem")) {
            Files.writeString(etcCerts.resolve(f), "pem");
        }
        // only /etc/certs holds the three files; an incomplete workload identity directory is passed over
        Files.writeString(spiffe.resolve("cert-chain.pem"), "pem");
        assertThat(AgentSettings.read(null, k -> null, istio).certsDir()).isEqualTo(etcCerts);
        // with all three, the workload identity directory is preferred, as by Istio's agent
        Files.writeString(spiffe.resolve("key.pem"), "pem");
        Files.writeString(spiffe.resolve("root-cert.pem"), "pem");
        assertThat(AgentSettings.read(null, k -> null, istio).certsDir()).isEqualTo(spiffe);
        // MESH_CERTS_DIR names the directory outright
        assertThat(AgentSettings.read(null, Map.of("MESH_CERTS_DIR", "/var/certs")::get, istio).certsDir())
                .isEqualTo(Path.of("/var/certs"));
        assertThat(AgentSettings.read(null, k -> null, List.of(root.resolve("none"))).certsDir()).isNull();
    }

    @Test
    void agentArgumentsTakePrecedenceKeyByKey() {
        Map<String, String> env = Map.of("MESH_CONFIG_PATHS", "/etc/mesh", "POD_NAMESPACE", "shop");
        AgentSettings s = AgentSettings.read("configPaths=mesh/,disabled=true", env::get);
        assertThat(s.configPaths()).containsExactly(Path.of("mesh/"));
        assertThat(s.namespace()).isEqualTo("shop");
        assertThat(s.disabled()).isTrue();
    }

    @Test
    void theXdsBootstrapIsReadFromGrpcsVariables() {
        Map<String, String> env = Map.of("GRPC_XDS_BOOTSTRAP", "/etc/istio/proxy/grpc-bootstrap.json");
        AgentSettings s = AgentSettings.read("", env::get);
        assertThat(s.xdsBootstrap()).isEqualTo(Path.of("/etc/istio/proxy/grpc-bootstrap.json"));
        assertThat(s.hasConfig()).isTrue();
        // the agent carries the xDS source; a bootstrap that is not there is refused before anything is changed
        assertThatThrownBy(() -> AgentMesh.check(s)).hasMessageContaining("/etc/istio/proxy/grpc-bootstrap.json")
                .hasMessageContaining("GRPC_XDS_BOOTSTRAP");
    }

    @Test
    void noConfigIsOneClearError() {
        AgentSettings s = AgentSettings.read(null, k -> null);
        assertThat(s.hasConfig()).isFalse();
        assertThat(s.configPaths()).isEqualTo(List.of());
        assertThatThrownBy(() -> AgentMesh.check(s)).hasMessageContaining("MESH_CONFIG_PATHS");
    }

    @Test
    void metricsAreOnASidecarsPortUnlessMovedOrOff() {
        assertThat(AgentSettings.read(null, k -> null).metricsPort()).isEqualTo(15020);
        assertThat(AgentSettings.read(null, Map.of("MESH_METRICS_PORT", "9102")::get).metricsPort()).isEqualTo(9102);
        assertThat(AgentSettings.read("metricsPort=off", Map.of("MESH_METRICS_PORT", "9102")::get).metricsPort())
                .isNull();
        assertThatThrownBy(() -> AgentSettings.read("metricsPort=many", k -> null))
                .hasMessageContaining("metricsPort (MESH_METRICS_PORT) must be a port number or off, not 'many'");
    }

    @Test
    void theConfigDumpIsOnEnvoysAdminPortUnlessMovedOrOff() {
        assertThat(AgentSettings.read(null, k -> null).adminPort()).isEqualTo(15000);
        assertThat(AgentSettings.read("adminPort=19000", k -> null).adminPort()).isEqualTo(19000);
        assertThat(AgentSettings.read(null, Map.of("MESH_ADMIN_PORT", "off")::get).adminPort()).isNull();
        assertThatThrownBy(() -> AgentSettings.read("adminPort=-1", k -> null))
                .hasMessageContaining("adminPort (MESH_ADMIN_PORT) must be a port number or off, not '-1'");
    }

    @Test
    void aMalformedOrUnknownArgumentIsNamed() {
        assertThatThrownBy(() -> AgentSettings.read("configPaths", k -> null))
                .hasMessageContaining("'configPaths' is not key=value");
        assertThatThrownBy(() -> AgentSettings.read("config=/etc/mesh", k -> null))
                .hasMessageContaining("unknown agent argument 'config'").hasMessageContaining("configPaths");
    }
}
