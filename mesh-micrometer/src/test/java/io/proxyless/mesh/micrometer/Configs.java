package io.proxyless.mesh.micrometer;

import io.proxyless.mesh.runtime.Mesh;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Istio YAML for upstreams on 127.0.0.1, a mesh over it, and a wait for observable conditions. */
final class Configs {
    static final Map<String, String> POD = Map.of(
            "POD_NAMESPACE", "default",
            "ISTIO_META_WORKLOAD_NAME", "productpage-v1",
            "ISTIO_METAJSON_LABELS", "{\"app\":\"productpage\",\"version\":\"v1\"}",
            "ISTIO_META_CLUSTER_ID", "Kubernetes",
            "SERVICE_ACCOUNT", "bookinfo-productpage");

    private Configs() {
    }

    /** A MESH_INTERNAL ServiceEntry {@code NAME.default.svc.cluster.local:9080} (protocol HTTP or GRPC). */
    static String serviceEntry(String name, String protocol, String... endpoints) {
        StringBuilder sb = new StringBuilder("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %s}
                spec:
                  hosts: [%s.default.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 9080, name: web, protocol: %s}]
                  endpoints:
                """.formatted(name, name, protocol));
        for (String e : endpoints) {
            sb.append("  - ").append(e).append('\n');
        }
        return sb.toString();
    }

    /** An endpoint on 127.0.0.1 with labels {@code app: APP, version: VERSION}. */
    static String endpoint(int port, String app, String version) {
        return "{address: 127.0.0.1, ports: {web: " + port + "}, labels: {app: " + app + ", version: " + version
                + "}}";
    }

    static Mesh mesh(Path dir, String... documents) {
        try {
            Files.writeString(dir.resolve("mesh.yaml"), String.join("---\n", documents));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Mesh.builder().configPaths(dir).namespace("default").watch(false).build();
    }

    /** Waits until {@code condition} holds (20 s at most, then fails naming {@code what}). */
    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
