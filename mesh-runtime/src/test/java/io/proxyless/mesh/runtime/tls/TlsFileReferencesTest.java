package io.proxyless.mesh.runtime.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proxyless.mesh.api.ConfigException;
import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.loader.ConfigLoader;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.config.MeshConfig;
import io.proxyless.mesh.runtime.source.ConfigListener;
import io.proxyless.mesh.runtime.source.file.FileConfigSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsFileReferencesTest {

    private static final String SERVICE = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: web, namespace: default}
            spec:
              hosts: [web.default.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 8443, name: https, protocol: HTTP}]
              endpoints: [{address: 127.0.0.1}]
            """;

    @TempDir
    Path dir;

    private static String rule(String tls) {
        return """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: web, namespace: default}
                spec:
                  host: web
                  trafficPolicy:
                    tls: %s
                """.formatted(tls);
    }

    private List<Problem> check() {
        return TlsFileReferences.check(ConfigLoader.create().load(List.of(dir))).errors();
    }

    @Test
    void aMissingCaFileIsAConfigProblemWithFileLineResourceAndField() throws Exception {
        Files.writeString(dir.resolve("se.yaml"), SERVICE);
        Files.writeString(dir.resolve("dr.yaml"), rule("{mode: SIMPLE, caCertificates: " + dir.resolve("nope.pem")
                + "}"));

        List<Problem> errors = check();

        assertThat(errors).hasSize(1);
        assertThat(errors.get(0).format())
                .startsWith(dir.resolve("dr.yaml") + ":7: DestinationRule default/web: "
                        + "spec.trafficPolicy.tls.caCertificates: CA certificates file " + dir.resolve("nope.pem")
                        + " does not exist")
                .contains("mount the file there or fix the path");
    }

    @Test
    void filesThatHoldNoCertificateOrAKeyOfAnotherCertificateAreProblemsToo() throws Exception {
        TestPki.Issued ca = TestPki.ca("root");
        TestPki.Issued client = TestPki.leaf(ca, "client", List.of());
        TestPki.Issued other = TestPki.leaf(ca, "other", List.of());
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n");
        ca.writeCertificate(dir.resolve("ca.pem"));
        client.writeCertificate(dir.resolve("client.pem"));
        other.writePrivateKey(dir.resolve("other-key.pem"));
        Files.writeString(dir.resolve("se.yaml"), SERVICE);
        Files.writeString(dir.resolve("dr.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: web, namespace: default}
                spec:
                  host: web
                  trafficPolicy:
                    portLevelSettings:
                    - port: {number: 8443}
                      tls: {mode: SIMPLE, caCertificates: %s}
                  subsets:
                  - name: v1
                    labels: {version: v1}
                    trafficPolicy:
                      tls: {mode: MUTUAL, caCertificates: %s, clientCertificate: %s, privateKey: %s}
                """.formatted(garbage, dir.resolve("ca.pem"), dir.resolve("client.pem"),
                dir.resolve("other-key.pem")));

        List<Problem> errors = check();

        assertThat(errors).extracting(Problem::path).containsExactly(
                "spec.trafficPolicy.portLevelSettings[0].tls.caCertificates",
                "spec.subsets[0].trafficPolicy.tls.privateKey");
        assertThat(errors.get(0).message()).contains("holds no usable CA certificate");
        assertThat(errors.get(1).message()).contains("does not go with " + dir.resolve("client.pem"));
    }

    @Test
    void validFilesAndIstioMutualNeedNothing() throws Exception {
        TestPki.ca("root").writeCertificate(dir.resolve("ca.pem"));
        Files.writeString(dir.resolve("se.yaml"), SERVICE);
        Files.writeString(dir.resolve("dr.yaml"), rule("{mode: SIMPLE, caCertificates: " + dir.resolve("ca.pem")
                + "}"));
        assertThat(check()).isEmpty();
        Files.writeString(dir.resolve("dr.yaml"), rule("{mode: ISTIO_MUTUAL}"));
        assertThat(check()).isEmpty();
    }

    @Test
    void aMeshWithABadCertificateReferenceDoesNotStart() throws Exception {
        Files.writeString(dir.resolve("se.yaml"), SERVICE);
        Files.writeString(dir.resolve("dr.yaml"), rule("{mode: SIMPLE, caCertificates: /no/such/ca.pem}"));
        assertThatThrownBy(() -> Mesh.builder().configPaths(dir).watch(false).build())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("spec.trafficPolicy.tls.caCertificates");
    }

    @Test
    void aReloadWithABadCertificateReferenceIsRejectedAndTheLastGoodConfigStays() throws Exception {
        Path ca = dir.resolve("certs/ca.pem");
        Files.createDirectories(ca.getParent());
        TestPki.ca("root").writeCertificate(ca);
        Path config = Files.createDirectories(dir.resolve("config"));
        Files.writeString(config.resolve("se.yaml"), SERVICE);
        Files.writeString(config.resolve("dr.yaml"), rule("{mode: SIMPLE, caCertificates: " + ca + "}"));
        try (FileConfigSource source = FileConfigSource.start(List.of(config), "default");
             Mesh mesh = Mesh.builder().configSource(source).build()) {
            MeshConfig good = source.current();
            assertThat(mesh.route(RouteRequest.builder("GET", "http://web:8443/").build()).cluster().tlsContext())
                    .as("the context was built when the config was compiled").isNotNull();
            BlockingQueue<List<Problem>> rejections = new LinkedBlockingQueue<>();
            source.addListener(new ConfigListener() {
                @Override
                public void onConfig(MeshConfig c) {
                }

                @Override
                public void onRejected(List<Problem> problems) {
                    rejections.add(problems);
                }
            });

            Files.writeString(config.resolve("dr.yaml"), rule("{mode: SIMPLE, caCertificates: "
                    + dir.resolve("certs/renamed.pem") + "}"));

            List<Problem> problems = rejections.poll(30, TimeUnit.SECONDS);
            assertThat(problems).as("the change is rejected").isNotNull();
            assertThat(problems).filteredOn(Problem::isError).singleElement().satisfies(p -> {
                assertThat(p.file()).endsWith("dr.yaml");
                assertThat(p.line()).isEqualTo(7);
                assertThat(p.kind() + " " + p.namespace() + "/" + p.name()).isEqualTo("DestinationRule default/web");
                assertThat(p.path()).isEqualTo("spec.trafficPolicy.tls.caCertificates");
            });
            assertThat(source.current()).isSameAs(good);
            assertThat(mesh.config()).isSameAs(good);
            assertThat(mesh.snapshot().version()).isEqualTo(good.version());
        }
    }
}
