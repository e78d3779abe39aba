package io.proxyless.mesh.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * File mode: every workload's mesh watches one directory, and a scenario change rewrites that directory's YAML
 * (as {@code kubectl apply} or a ConfigMap update would change what a sidecar sees). The meshes reload on their
 * own; {@link #apply} only waits until all of them route with exactly the new resources.
 */
final class FileConfigDriver implements ConfigDriver {
    private static final Duration RELOAD_LIMIT = Duration.ofSeconds(15);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ExampleFiles examples;
    private final Path directory;
    private final Map<Integer, Integer> ports;
    private final List<Mesh> meshes = new CopyOnWriteArrayList<>();
    private final List<Supplier<String>> agents = new CopyOnWriteArrayList<>();

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
        // The workload certificates make the mesh's clients send Istio's auto mTLS, as a sidecar's do.
        Mesh mesh = Mesh.builder().configPaths(directory).namespace("default").istioCertificates(certs).build();
        meshes.add(mesh);
        return mesh;
    }

    @Override
    public Map<String, String> agentEnvironment(String workload, Path certs) {
        return Map.of("MESH_CONFIG_PATHS", directory.toAbsolutePath().toString(), "POD_NAMESPACE", "default");
    }

    @Override
    public void addAgent(Supplier<String> configDump) {
        agents.add(configDump);
    }

    @Override
    public Mesh serverMesh(String workload, Map<String, String> labels, Path certs) {
        try {
            Files.createDirectories(directory); // a server may start before the first config is written
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Mesh mesh = Mesh.builder().configPaths(directory).namespace("default").sourceLabels(labels)
                .istioCertificates(certs).build();
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
            while (!ConfigDriver.fingerprint(mesh.config().resources()).equals(expected)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("a mesh did not reload " + pieces + " within " + RELOAD_LIMIT);
                }
                sleep(10);
            }
        }
        // An injected workload's mesh is in another JVM: its config dump names each resource in force and the
        // file it came from, and every scenario's files have paths of their own, so the same names from the same
        // files are the same content.
        Set<List<String>> expectedDump = loaded.resources().stream()
                .map(r -> List.of(r.kind().kindName(), r.metadata().key(), relative(r.source().file())))
                .collect(Collectors.toSet());
        for (Supplier<String> agent : agents) {
            while (!expectedDump.equals(inForce(agent.get()))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the injected productpage did not reload " + pieces + " within "
                            + RELOAD_LIMIT + "; its config dump:\n" + agent.get());
                }
                sleep(10);
            }
        }
        return new Applied(files, warnings, Duration.ofNanos(System.nanoTime() - start));
    }

    /** (type, namespace/name, file) of each resource in a config dump; empty when there is none. */
    private Set<List<String>> inForce(String configDump) {
        if (configDump == null) {
            return Set.of();
        }
        try {
            Set<List<String>> out = new HashSet<>();
            for (JsonNode r : JSON.readTree(configDump).path("resources")) {
                out.add(List.of(r.path("type").asText(), r.path("name").asText(), relative(r.path("file").asText())));
            }
            return out;
        } catch (IOException e) {
            return Set.of();
        }
    }

    private String relative(String file) {
        String dir = directory.toAbsolutePath() + File.separator;
        return file != null && file.startsWith(dir) ? file.substring(dir.length()) : String.valueOf(file);
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
