package io.proxyless.mesh.benchmarks;

import io.proxyless.mesh.runtime.Mesh;
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
 * The engine's per-request cost: one route decision for a request to a service in a mesh of N services, each
 * with a VirtualService (header match + 80/20 weighted subsets), a DestinationRule with subsets and a
 * ServiceEntry with three endpoints. Run with {@code -prof gc} for B/op.
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
    private RouteRequest jason;
    private RouteRequest anonymous;
    private java.util.Map<String, String> hosts;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("mesh-bench");
        Files.writeString(dir.resolve("mesh.yaml"), MeshConfigs.bookinfoLike(services));
        mesh = Mesh.builder().configPaths(dir).namespace("default").watch(false).build();
        String target = "svc" + (services / 2) + ":9080";
        jason = RouteRequest.builder("GET", "http://" + target + "/reviews/1").header("end-user", "jason").build();
        anonymous = RouteRequest.builder("GET", "http://" + target + "/reviews/1").build();
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
        return mesh.route(jason);
    }

    /** Falls through the header match to the 80/20 weighted route. */
    @Benchmark
    public RouteDecision weightedRoute() {
        return mesh.route(anonymous);
    }

    @Benchmark
    public String baselineHashLookup() {
        return hosts.get(anonymous.host());
    }
}
