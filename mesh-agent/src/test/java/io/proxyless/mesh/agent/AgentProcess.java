package io.proxyless.mesh.agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the test application ({@code testapp.PlainApp}) in a JVM of its own, on its own class path (no mesh
 * module), with or without {@code -javaagent:target/mesh-agent.jar}, and collects what it printed.
 */
final class AgentProcess {
    static final Path AGENT_JAR = Path.of(System.getProperty("mesh.agentJar", "target/mesh-agent.jar"));

    /**
     * What one run printed: {@code RESULT} lines by step, the rest of stdout, stderr, how long it took to exit
     * ({@code millis}) and to the end of its {@code main} ({@code mainMillis}, -1 if it never got there).
     */
    record Run(int exitCode, Map<Integer, Map<String, Integer>> results, String stdout, String stderr, long millis,
               long mainMillis) {
        Map<String, Integer> step(int i) {
            return results.getOrDefault(i, Map.of());
        }

        @Override
        public String toString() {
            return "exit " + exitCode + " in " + millis + " ms\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    private AgentProcess() {
    }

    /**
     * Runs the application's {@code steps}.
     *
     * @param agentArgs null: no agent; else the {@code -javaagent:} argument after {@code =} ("" for none)
     * @param env       environment variables added to the child's (others removed: {@code MESH_*},
     *                  {@code POD_NAMESPACE}, {@code GRPC_XDS_*})
     */
    static Run run(String agentArgs, Map<String, String> env, String... steps) {
        return start(agentArgs, env, steps).finish();
    }

    /** As {@link #run}, returning while the application runs (to attach to it, say). */
    static Started start(String agentArgs, Map<String, String> env, String... steps) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xshare:auto");
        if (agentArgs != null) {
            command.add("-javaagent:" + AGENT_JAR.toAbsolutePath() + (agentArgs.isEmpty() ? "" : "=" + agentArgs));
        }
        command.add("-cp");
        command.add(applicationClassPath());
        command.add("io.proxyless.mesh.agent.testapp.PlainApp");
        command.addAll(List.of(steps));
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> childEnv = pb.environment();
        childEnv.keySet().removeIf(k -> k.startsWith("MESH_") || k.startsWith("GRPC_XDS_")
                || k.equals("POD_NAMESPACE") || k.equals("JAVA_TOOL_OPTIONS"));
        childEnv.put("MESH_ADMIN_PORT", "off"); // never a fixed port (15000) on a shared build machine
        childEnv.putAll(env);
        try {
            Path out = Files.createTempFile("app", ".out");
            Path err = Files.createTempFile("app", ".err");
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            long start = System.nanoTime();
            long startMillis = System.currentTimeMillis();
            return new Started(pb.start(), out, err, start, startMillis);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A running application and where its output goes. */
    record Started(Process process, Path out, Path err, long startNanos, long startMillis) {
        long pid() {
            return process.pid();
        }

        /** Waits (20 s at most) until the application printed a line starting with {@code prefix}. */
        void awaitOutput(String prefix) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (Files.readAllLines(out, StandardCharsets.UTF_8).stream().noneMatch(l -> l.startsWith(prefix))) {
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    throw new AssertionError("the application never printed " + prefix + ": " + Files.readString(err));
                }
                Thread.sleep(20);
            }
        }

        /** Waits (40 s at most) for the application to exit, and collects what it printed. */
        Run finish() {
            try {
                if (!process.waitFor(40, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new AssertionError("application did not finish in 40 s: " + Files.readString(err));
                }
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
                String stdout = Files.readString(out, StandardCharsets.UTF_8);
                String stderr = Files.readString(err, StandardCharsets.UTF_8);
                Files.delete(out);
                Files.delete(err);
                return new Run(process.exitValue(), results(stdout), stdout, stderr, millis,
                        mainMillis(stdout, startMillis));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** The application's libraries (written by the build) and its classes; no mesh module among them. */
    static String applicationClassPath() {
        try {
            String libraries = Files.readString(Path.of(System.getProperty("mesh.testApplicationClassPath",
                    "target/test-application.classpath"))).trim();
            return applicationClasses() + java.io.File.pathSeparator + libraries;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The application's own classes, copied apart from the tests (which do use mesh modules). */
    private static synchronized Path applicationClasses() throws IOException {
        Path testClasses = Path.of(System.getProperty("mesh.testApplicationClasses", "target/test-classes"));
        Path app = testClasses.resolveSibling("test-application-classes");
        Path pkg = Path.of("io", "proxyless", "mesh", "agent", "testapp");
        Files.createDirectories(app.resolve(pkg));
        try (var classes = Files.list(testClasses.resolve(pkg))) {
            for (Path c : (Iterable<Path>) classes::iterator) {
                Files.copy(c, app.resolve(pkg).resolve(c.getFileName().toString()),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return app;
    }

    /** From the start to the application's {@code ENDED} line (its epoch ms; the two clocks are one machine's). */
    private static long mainMillis(String stdout, long startMillis) {
        for (String line : stdout.split("\n")) {
            if (line.startsWith("ENDED ")) {
                return Long.parseLong(line.substring("ENDED ".length()).trim()) - startMillis;
            }
        }
        return -1;
    }

    private static Map<Integer, Map<String, Integer>> results(String stdout) {
        Map<Integer, Map<String, Integer>> out = new HashMap<>();
        for (String line : stdout.split("\n")) {
            if (!line.startsWith("RESULT ")) {
                continue;
            }
            String[] parts = line.trim().split(" ");
            Map<String, Integer> outcomes = new HashMap<>();
            for (int i = 2; i < parts.length; i++) {
                int eq = parts[i].lastIndexOf('=');
                outcomes.put(parts[i].substring(0, eq), Integer.parseInt(parts[i].substring(eq + 1)));
            }
            out.put(Integer.parseInt(parts[1]), outcomes);
        }
        return out;
    }
}
