package io.proxyless.mesh.runtime.call;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.RouteRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A real {@link Mesh} from YAML written to a temp directory, for the call helpers' tests. */
final class CallFixture {
    /** One service, {@code web}, with subsets v1 and v2. */
    static final String WEB = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: web}
            spec:
              hosts: [web.default.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 8080, name: http, protocol: HTTP}]
              endpoints:
              - {address: 10.0.0.1, labels: {version: v1}}
              - {address: 10.0.0.2, labels: {version: v2}}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: web}
            spec:
              host: web
              subsets:
              - {name: v1, labels: {version: v1}}
              - {name: v2, labels: {version: v2}}
            """;

    private CallFixture() {
    }

    static Mesh mesh(Path dir, String... yaml) {
        try {
            for (int i = 0; i < yaml.length; i++) {
                Files.writeString(dir.resolve("config-" + i + ".yaml"), yaml[i]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Mesh.builder().configPaths(dir).namespace("default").watch(false).build();
    }

    static RouteRequest get(String url, String... headerPairs) {
        RouteRequest.Builder b = RouteRequest.builder("GET", url);
        for (int i = 0; i + 1 < headerPairs.length; i += 2) {
            b.header(headerPairs[i], headerPairs[i + 1]);
        }
        return b.build();
    }

    static String virtualService(String http) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: web}
                spec:
                  hosts: [web]
                  http:
                """ + http.stripIndent().lines().map(l -> "  " + l).reduce("", (a, l) -> a + l + "\n");
    }
}
