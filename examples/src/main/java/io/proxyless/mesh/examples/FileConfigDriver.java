package io.proxyless.mesh.examples;

import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.api.loader.ConfigLoader;
import io.proxyless.mesh.api.loader.LoadedConfig;
import io.proxyless.mesh.runtime.Mesh;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * File mode: every workload's mesh watches one directory, and a scenario change rewrites that directory's YAML
 * (as {@code kubectl apply} or a ConfigMap update would change what a sidecar sees). The meshes reload on their
 * own; {@link #apply} only waits until all of them route with exactly the new resources.
 */
final class FileConfigDriver implements ConfigDriver {
    private static final Duration RELOAD_LIMIT = Duration.ofSeconds(15);

    private final ExampleFiles examples;
    private final Path directory;
    private final Map<Integer, Integer> ports;
    private final List<Mesh> meshes = new CopyOnWriteArrayList<>();

    FileConfigDriver(ExampleFiles examples, Path directory, Map<Integer, Integer> ports) {
        this.examples = examples;
        this.directory = directory;
        this.ports = ports;
    }

    @Override
    public String describe() {
        return "files in " + directory + " (watched: each scenario rewrites them, the meshes reload)";
    }

    @Override
    public Mesh mesh(String workload, Path certs) {
        Mesh mesh = Mesh.builder().configPaths(directory).namespace("default").build();
        meshes.add(mesh);
        return mesh;
    }

    @Override
    public Applied apply(List<String> pieces) {
        long start = System.nanoTime();
        try {
            Files.createDirectories(directory);
            try (Stream<Path> walk = Files.walk(directory)) {
                for (Path p : walk.filter(Files::isRegularFile).toList()) {
                    Files.delete(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Path> files = examples.render(pieces, directory, ports);
        LoadedConfig loaded = ConfigLoader.create().withDefaultNamespace("default").load(List.of(directory));
        if (loaded.hasErrors()) {
            throw new IllegalStateException("the rendered config of " + pieces + " is invalid:\n" + loaded.errors()
                    .stream().map(Problem::format).collect(Collectors.joining("\n")));
        }
        Set<List<Object>> expected = ConfigDriver.fingerprint(loaded.resources());
        List<String> warnings = loaded.warnings().stream()
                .map(p -> p.format().replace(directory + File.separator, "")).toList();
        long deadline = System.nanoTime() + RELOAD_LIMIT.toNanos();
        for (Mesh mesh : meshes) {
            while (!ConfigDriver.fingerprint(mesh.snapshot().config().resources()).equals(expected)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("a mesh did not reload " + pieces + " within " + RELOAD_LIMIT);
                }
                sleep(10);
            }
        }
        return new Applied(files, warnings, Duration.ofNanos(System.nanoTime() - start));
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The meshes belong to their workloads' clients, which close them. */
    @Override
    public void close() {
        meshes.clear();
    }
}
