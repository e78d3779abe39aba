package io.proxyless.mesh.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.time.MeshClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Istio YAML for real backends, a real {@link Mesh} over it, and blocking calls with metadata. */
final class MeshFixture {
    static final String REVIEWS = "reviews.default.svc.cluster.local";

    private MeshFixture() {
    }

    /**
     * A ServiceEntry for {@code host} port 9080 (GRPC) whose endpoints are the backends on 127.0.0.1, each
     * labelled {@code version: <backend name>}, plus a DestinationRule with a subset per backend name.
     */
    static String service(String host, Backend... backends) {
        return serviceEntry(host, backends) + "---\n" + destinationRule(host, null, backends);
    }

    /** The ServiceEntry part of {@link #service}. */
    static String serviceEntry(String host, Backend... backends) {
        StringBuilder sb = new StringBuilder();
        sb.append("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %s}
                spec:
                  hosts: [%s]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 9080, name: grpc, protocol: GRPC}]
                  endpoints:
                """.formatted(shortName(host), host));
        for (Backend b : backends) {
            sb.append("  - {address: 127.0.0.1, ports: {grpc: ").append(b.port()).append("}, labels: {version: ")
                    .append(b.name).append("}}\n");
        }
        return sb.toString();
    }

    /**
     * A DestinationRule for {@code host} with a subset per backend and, when given, a {@code trafficPolicy}
     * (YAML indented for its place under {@code trafficPolicy:}, i.e. by four spaces).
     */
    static String destinationRule(String host, String trafficPolicy, Backend... backends) {
        StringBuilder sb = new StringBuilder();
        sb.append("""
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: %s}
                spec:
                  host: %s
                """.formatted(shortName(host), host));
        if (trafficPolicy != null) {
            sb.append("  trafficPolicy:\n").append(trafficPolicy.stripTrailing()).append('\n');
        }
        sb.append("  subsets:\n");
        for (Backend b : backends) {
            sb.append("  - {name: ").append(b.name).append(", labels: {version: ").append(b.name).append("}}\n");
        }
        return sb.toString();
    }

    private static String shortName(String host) {
        int dot = host.indexOf('.');
        return dot < 0 ? host : host.substring(0, dot);
    }

    /** Writes the documents to {@code dir} and builds a mesh on them (watching them when {@code watch}). */
    static Mesh mesh(Path dir, boolean watch, String... yamlDocuments) {
        return mesh(dir, watch, MeshClock.system(), yamlDocuments);
    }

    /** A mesh whose deadlines, backoff and fault delays run on {@code clock} (a test's fake clock). */
    static Mesh mesh(Path dir, boolean watch, MeshClock clock, String... yamlDocuments) {
        write(dir, yamlDocuments);
        return Mesh.builder().configPaths(dir).namespace("default").watch(watch).clock(clock).build();
    }

    static void write(Path dir, String... yamlDocuments) {
        try {
            for (int i = 0; i < yamlDocuments.length; i++) {
                Path tmp = dir.resolve(".config-" + i + ".tmp");
                Files.writeString(tmp, yamlDocuments[i]);
                Files.move(tmp, dir.resolve("config-" + i + ".yaml"),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A blocking unary call with metadata given as name/value pairs; throws StatusRuntimeException on failure. */
    static String call(Channel channel, MethodDescriptor<String, String> method, String request, String... headers) {
        return call(channel, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), method, request, headers);
    }

    static String call(Channel channel, CallOptions options, MethodDescriptor<String, String> method, String request,
                       String... headers) {
        Metadata md = new Metadata();
        for (int i = 0; i < headers.length; i += 2) {
            md.put(Metadata.Key.of(headers[i], Metadata.ASCII_STRING_MARSHALLER), headers[i + 1]);
        }
        Channel withHeaders = io.grpc.ClientInterceptors.intercept(channel,
                io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(md));
        return ClientCalls.blockingUnaryCall(withHeaders, method, options, request);
    }

    /** The status of a call expected to fail. */
    static io.grpc.Status failure(Channel channel, MethodDescriptor<String, String> method, String... headers) {
        try {
            String answer = call(channel, method, "x", headers);
            throw new AssertionError("expected the call to fail, it answered " + answer);
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
    }

    /** How many of {@code n} calls each backend answered. */
    static Map<String, Integer> tally(Channel channel, MethodDescriptor<String, String> method, int n,
                                      String... headers) {
        Map<String, Integer> counts = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            counts.merge(call(channel, method, "x", headers), 1, Integer::sum);
        }
        return counts;
    }

    static List<String> answers(Channel channel, MethodDescriptor<String, String> method, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(call(channel, method, "x"));
        }
        return out;
    }

    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
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
