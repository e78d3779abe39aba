package io.proxyless.mesh.runtime.routing;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.RouteRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/** Builds a real {@link Mesh} from YAML text written to a temp directory, and samples its decisions. */
final class MeshFixture {
    /** Bookinfo-style registry: reviews v1/v2/v3, ratings v1, details v1, with subsets. */
    static final String BOOKINFO = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: reviews}
            spec:
              hosts: [reviews.default.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 9080, name: http, protocol: HTTP}]
              endpoints:
              - {address: 10.0.0.1, labels: {app: reviews, version: v1}}
              - {address: 10.0.0.2, labels: {app: reviews, version: v2}}
              - {address: 10.0.0.3, labels: {app: reviews, version: v3}}
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: ratings}
            spec:
              hosts: [ratings.default.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 9080, name: http, protocol: HTTP}]
              endpoints:
              - {address: 10.0.1.1, labels: {app: ratings, version: v1}}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: reviews}
            spec:
              host: reviews
              subsets:
              - {name: v1, labels: {version: v1}}
              - {name: v2, labels: {version: v2}}
              - {name: v3, labels: {version: v3}}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: ratings}
            spec:
              host: ratings
              subsets:
              - {name: v1, labels: {version: v1}}
            """;

    private MeshFixture() {
    }

    static Mesh mesh(Path dir, String... yamlDocuments) {
        return mesh(dir, Map.of(), "default", yamlDocuments);
    }

    static Mesh mesh(Path dir, Map<String, String> labels, String namespace, String... yamlDocuments) {
        try {
            for (int i = 0; i < yamlDocuments.length; i++) {
                Files.writeString(dir.resolve("config-" + i + ".yaml"), yamlDocuments[i]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Mesh.builder().configPaths(dir).namespace(namespace).sourceLabels(labels).watch(false).build();
    }

    static RouteRequest get(String url, String... headerPairs) {
        RouteRequest.Builder b = RouteRequest.builder("GET", url);
        for (int i = 0; i < headerPairs.length; i += 2) {
            b.header(headerPairs[i], headerPairs[i + 1]);
        }
        return b.build();
    }

    /** Counts picked subsets over {@code n} seeded decisions. */
    static Map<String, Integer> sample(Mesh mesh, RouteRequest request, int n, long seed) {
        Random random = new Random(seed);
        Map<String, Integer> counts = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            RouteDecision d = mesh.route(request, random);
            counts.merge(String.valueOf(d.destinationSubset()), 1, Integer::sum);
        }
        return counts;
    }
}
