package io.proxyless.mesh.runtime.testing;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.time.MeshClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Istio YAML for adapter tests: ServiceEntries whose STATIC endpoints are upstreams' ports on 127.0.0.1,
 * DestinationRules and VirtualServices, and a mesh over them.
 *
 * <pre>{@code
 * Mesh mesh = MeshYaml.mesh(dir, serviceEntry("reviews", 9080, endpoint(v1.port(), "labels: {version: v1}")));
 * }</pre>
 */
public final class MeshYaml {
    private MeshYaml() {
    }

    /** An endpoint of service port {@code http} at {@code port} on 127.0.0.1 with extra fields (labels…). */
    public static String endpoint(int port, String extra) {
        return "{address: 127.0.0.1, ports: {http: " + port + "}" + (extra.isEmpty() ? "" : ", " + extra) + "}";
    }

    public static String endpoint(HttpUpstream u, String extra) {
        return endpoint(u.port(), extra);
    }

    /** A MESH_INTERNAL ServiceEntry for {@code NAME.default.svc.cluster.local} on {@code servicePort}. */
    public static String serviceEntry(String name, int servicePort, String... endpoints) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %s}
                spec:
                  hosts: [%s.default.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: %d, name: http, protocol: HTTP}]
                  endpoints:
                %s
                """.formatted(name, name, servicePort,
                Arrays.stream(endpoints).map(e -> "  - " + e).collect(Collectors.joining("\n")));
    }

    /** A DestinationRule for {@code host} with subsets v1/v2 by label {@code version} and a traffic policy. */
    public static String subsetsV1V2(String host, String trafficPolicy) {
        return """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: %s}
                spec:
                  host: %s
                  subsets:
                  - {name: v1, labels: {version: v1}}
                  - {name: v2, labels: {version: v2}}
                %s""".formatted(host, host, indent(trafficPolicy, "  "));
    }

    public static String destinationRule(String host, String trafficPolicy) {
        return """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: %s}
                spec:
                  host: %s
                %s""".formatted(host, host, indent(trafficPolicy, "  "));
    }

    /** A VirtualService for {@code host} with the given {@code http} routes (YAML list, unindented). */
    public static String virtualService(String host, String http) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: %s}
                spec:
                  hosts: [%s]
                  http:
                %s""".formatted(host, host, indent(http, "  "));
    }

    public static String indent(String yaml, String prefix) {
        if (yaml == null || yaml.isBlank()) {
            return "";
        }
        return yaml.stripIndent().lines().map(l -> prefix + l).collect(Collectors.joining("\n")) + "\n";
    }

    /** Writes the documents to {@code dir/mesh.yaml}. */
    public static void write(Path dir, String... documents) {
        write(dir.resolve("mesh.yaml"), List.of(documents));
    }

    public static void write(Path file, List<String> documents) {
        try {
            Files.writeString(file, String.join("---\n", documents));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A mesh over {@code dir}, not watching (tests that reload build their own). */
    public static Mesh mesh(Path dir, String... documents) {
        return mesh(dir, MeshClock.system(), documents);
    }

    /** A mesh over {@code dir} whose deadlines, backoff and fault delays run on {@code clock}. */
    public static Mesh mesh(Path dir, MeshClock clock, String... documents) {
        write(dir, documents);
        return Mesh.builder().configPaths(dir).namespace("default").watch(false).clock(clock).build();
    }
}
