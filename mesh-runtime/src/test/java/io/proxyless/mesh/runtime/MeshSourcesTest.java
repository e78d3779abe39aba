package io.proxyless.mesh.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the builder picks a config source. mesh-runtime's own tests run without mesh-xds on the classpath, which
 * is exactly the setup of an app with file config only.
 */
class MeshSourcesTest {
    private static final String SERVICE_ENTRY = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: reviews, namespace: default}
            spec:
              hosts: [reviews.default.svc.cluster.local]
              ports: [{number: 9080, name: http, protocol: HTTP}]
              resolution: STATIC
              endpoints: [{address: 10.0.0.1}]
            """;

    @TempDir
    Path dir;

    @Test
    void xdsBootstrapWithoutTheXdsModuleFailsNamingTheModule() throws Exception {
        Path bootstrap = Files.writeString(dir.resolve("bootstrap.json"), "{}");

        assertThatThrownBy(() -> Mesh.builder().xdsBootstrap(bootstrap).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("io.proxyless:mesh-xds")
                .hasMessageContaining(bootstrap.toString());
    }

    @Test
    void fileConfigDumpListsTheIstioResourcesInForce() throws Exception {
        Path file = Files.writeString(dir.resolve("reviews.yaml"), SERVICE_ENTRY);

        try (Mesh mesh = Mesh.builder().configPaths(file).watch(false).build()) {
            JsonNode dump = new ObjectMapper().readTree(mesh.configDump());

            assertThat(dump.get("resources")).hasSize(1);
            JsonNode resource = dump.get("resources").get(0);
            assertThat(resource.get("type").asText()).isEqualTo("ServiceEntry");
            assertThat(resource.get("name").asText()).isEqualTo("default/reviews");
            assertThat(resource.get("status").asText()).isEqualTo("ACKED");
            assertThat(resource.get("file").asText()).endsWith("reviews.yaml");
        }
    }
}
