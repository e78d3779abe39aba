package io.proxyless.mesh.servlet;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.tls.TestPki;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The server workload under test: {@code reviews} (labels {@code app: reviews}) in namespace {@code default}, its
 * Istio config in a watched directory and its workload certificates in another, as istio-agent lays them out.
 */
final class Workload implements AutoCloseable {
    static final String SLEEP = WorkloadCertificates.identity("sleep");

    final Path config;
    final WorkloadCertificates certificates;
    final Mesh mesh;

    private Workload(Path config, WorkloadCertificates certificates, Mesh mesh) {
        this.config = config;
        this.certificates = certificates;
        this.mesh = mesh;
    }

    /** A mesh over {@code files} (name → YAML) in {@code dir/config}, certificates in {@code dir/certs}. */
    static Workload start(Path dir, Map<String, String> files) {
        Path config = dir.resolve("config");
        try {
            Files.createDirectories(config);
            write(config, files);
            WorkloadCertificates certificates = WorkloadCertificates.issue(dir.resolve("certs"), "reviews");
            Mesh mesh = Mesh.builder().configPaths(config).namespace("default")
                    .sourceLabels(Map.of("app", "reviews")).istioCertificates(certificates.directory()).build();
            return new Workload(config, certificates, mesh);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Replaces (or adds) config files; the mesh picks them up through its file watch. */
    void write(Map<String, String> files) {
        write(config, files);
    }

    private static void write(Path config, Map<String, String> files) {
        files.forEach((name, yaml) -> TestPki.write(config.resolve(name), yaml));
    }

    @Override
    public void close() {
        mesh.close();
    }

    static String peerAuthentication(String mode) {
        return """
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: default, namespace: default}
                spec:
                  mtls: {mode: %s}
                """.formatted(mode);
    }

    /** An AuthorizationPolicy for the whole namespace with {@code action} and YAML {@code rules} (a flow list). */
    static String authorizationPolicy(String name, String action, String rules) {
        return """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: %s, namespace: default}
                spec:
                  action: %s
                  rules: %s
                """.formatted(name, action, rules);
    }
}
