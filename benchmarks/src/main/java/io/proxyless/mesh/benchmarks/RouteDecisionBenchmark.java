package io.proxyless.mesh.benchmarks;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.RequestHeaders;
import io.proxyless.mesh.runtime.RouteDecision;
import io.proxyless.mesh.runtime.RouteRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The engine's per-request cost: building the {@link RouteRequest} from a URL and routing it, for a service in a
 * mesh of N services ({@link MeshConfigs#bookinfoLike}: a VirtualService with a header match and an 80/20 weighted
 * split, a DestinationRule with LEAST_REQUEST and three subsets, three endpoints per subset). The request is built
 * inside the timed code as an adapter builds one per call: from the parts of the URL its HTTP client has already
 * parsed, with a header view over the client's own header object (nothing copied). Run with {@code -prof gc} for
 * B/op.
 *
 * <p>{@code baselineHashLookup} is the floor a route decision is compared with: one HashMap lookup of the host,
 * the least any client-side router must do.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class RouteDecisionBenchmark {
    @Param({"1", "100", "10000"})
    public int services;

    private Path dir;
    private Mesh mesh;
    private String host;
    private String authority;
    /** The application's request headers, as the HTTP client holds them. */
    private java.util.Map<String, String> jasonHeaders;
    private java.util.Map<String, String> hosts;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("mesh-bench");
        Files.writeString(dir.resolve("mesh.yaml"), MeshConfigs.bookinfoLike(services));
        mesh = Mesh.builder().configPaths(dir).namespace("default").watch(false).build();
        String target = "svc" + (services / 2) + ":9080";
        host = "svc" + (services / 2);
        authority = target;
        jasonHeaders = java.util.Map.of("end-user", "jason");
        hosts = new java.util.HashMap<>();
        for (int i = 0; i < services; i++) {
            hosts.put("svc" + i, "svc" + i + ".default.svc.cluster.local");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        mesh.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Header match → one destination (v2). */
    @Benchmark
    public RouteDecision headerMatchRoute() {
        java.util.Map<String, String> headers = jasonHeaders;
        return mesh.route(new RouteRequest("http", "GET", host, 9080, authority, "/reviews/1", null, headers::get,
                null));
    }

    /** Falls through the header match to the 80/20 weighted route. */
    @Benchmark
    public RouteDecision weightedRoute() {
        return mesh.route(new RouteRequest("http", "GET", host, 9080, authority, "/reviews/1", null,
                RequestHeaders.NONE, null));
    }

    @Benchmark
    public String baselineHashLookup() {
        return hosts.get(host);
    }
}
