package io.proxyless.mesh.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.proxyless.mesh.examples.productpage.ProductPage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * productpage injected instead of built with the API ({@code --agent}): the unchanged {@link ProductPage}
 * application in a JVM of its own, started with {@code -javaagent:mesh-agent.jar} on a class path that holds its
 * own libraries (OkHttp, grpc-java, …) and no mesh module, configured only through the environment a Kubernetes
 * pod would give it: {@code MESH_CONFIG_PATHS} (the directory the other workloads' meshes watch),
 * {@code POD_NAMESPACE}, {@code MESH_CERTS_DIR} (its workload certificates), the pod identity a sidecar reports
 * in its metrics, and the metrics and admin ports (ephemeral here, 15020 and 15000 in a pod).
 *
 * <p>The build writes where the agent jar and the application's libraries are ({@code bookinfo-demo/agent.properties}).
 */
final class AgentProductPage implements AutoCloseable {
    private static final String SETTINGS = "bookinfo-demo/agent.properties";
    private static final Duration START_LIMIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final int port;
    private final int metricsPort;
    private final int adminPort;
    private final Path log;
    private final HttpClient admin = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private AgentProductPage(Process process, int port, int metricsPort, int adminPort, Path log) {
        this.process = process;
        this.port = port;
        this.metricsPort = metricsPort;
        this.adminPort = adminPort;
        this.log = log;
    }

    /**
     * A free port on 127.0.0.1 for productpage, known before the config that names it is written. The port is let go
     * before productpage binds it, so it is taken below the ephemeral range (Linux hands out 32768 and up by
     * default, macOS and Windows 49152 and up): there, no outgoing connection's local end and no bind to port 0 —
     * the agent's own xDS client, the demo's servers, other tests on the machine — can be given it meanwhile.
     */
    static int reservePort() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        IOException last = null;
        for (int i = 0; i < 200; i++) {
            int port = random.nextInt(20_000, 32_768);
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
                return s.getLocalPort();
            } catch (IOException e) {
                last = e; // in use: try another
            }
        }
        throw new UncheckedIOException("no free port on 127.0.0.1 between 20000 and 32767", last);
    }

    /** Where the agent jar is (as built by {@code ./mvnw package}), for the printed header and checks. */
    static Path agentJar() {
        Path jar = Path.of(settings().getProperty("agentJar")).toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("--agent needs the agent jar " + jar + ": build it with "
                    + "./mvnw -B -q -DskipTests package");
        }
        return jar;
    }

    /**
     * Starts productpage on {@code port} with the agent and {@code meshEnvironment} (the config source's
     * variables), and returns once it serves; its output goes to {@code scratch/productpage.log}.
     */
    static AgentProductPage start(int port, Map<String, String> meshEnvironment, Path certificates,
                                  Map<String, String> podIdentity, Path scratch) {
        Path jar = agentJar();
        int metricsPort = reservePort();
        int adminPort = reservePort();
        Path log = scratch.resolve("productpage.log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-javaagent:" + jar);
        command.add("-Dsun.net.httpserver.nodelay=true");
        command.add("-cp");
        try {
            command.add(applicationClasses(scratch.resolve("productpage-app")) + java.io.File.pathSeparator
                    + settings().getProperty("classPath"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        command.add(ProductPage.class.getName());
        command.add(String.valueOf(port));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("MESH_") || k.startsWith("GRPC_XDS_") || k.startsWith("ISTIO_")
                || k.equals("JAVA_TOOL_OPTIONS"));
        env.putAll(meshEnvironment);
        env.putAll(podIdentity);
        env.put("MESH_CERTS_DIR", certificates.toString());
        env.put("MESH_METRICS_PORT", String.valueOf(metricsPort));
        env.put("MESH_ADMIN_PORT", String.valueOf(adminPort));
        try {
            Process process = pb.start();
            AgentProductPage page = new AgentProductPage(process, port, metricsPort, adminPort, log);
            page.awaitReady();
            return page;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies its output to the log until {@code READY}, then in the background; then waits for the admin port. */
    private void awaitReady() throws IOException {
        BufferedReader out = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        var writer = Files.newBufferedWriter(log, StandardCharsets.UTF_8);
        long deadline = System.nanoTime() + START_LIMIT.toNanos();
        boolean ready = false;
        String line;
        while (!ready && (line = out.readLine()) != null) {
            writer.write(line);
            writer.newLine();
            writer.flush();
            ready = line.startsWith("READY ");
        }
        Thread pump = new Thread(() -> {
            try (writer; out) {
                String l;
                while ((l = out.readLine()) != null) {
                    writer.write(l);
                    writer.newLine();
                    writer.flush();
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "productpage-log");
        pump.setDaemon(true);
        pump.start();
        if (!ready) {
            throw new IllegalStateException("productpage with the agent did not start:\n" + Files.readString(log));
        }
        // the agent serves its config dump once the mesh is built and its metrics are up
        while (configDump() == null) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                throw new IllegalStateException("productpage's agent serves no config dump:\n"
                        + Files.readString(log));
            }
            FileConfigDriver.sleep(20);
        }
        if (!Files.readString(log).contains("mesh agent installed")) {
            throw new IllegalStateException("the agent did not put productpage in the mesh:\n" + Files.readString(log));
        }
    }

    int port() {
        return port;
    }

    /** Istio's metrics of productpage's calls, as its agent serves them. */
    String metricsUrl() {
        return "http://127.0.0.1:" + metricsPort + DemoMetrics.PATH;
    }

    Path log() {
        return log;
    }

    /**
     * The agent's config dump ({@code /config_dump} on its admin port) when the config it lists is the one in
     * force; null when it does not answer or a change is still being compiled.
     */
    String configDump() {
        try {
            HttpResponse<String> r = admin.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + adminPort + "/config_dump")).timeout(Duration.ofSeconds(5))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return null;
            }
            // the dump only once the mesh routes with it (the source's config can be one compile ahead)
            String inForce = r.headers().firstValue("x-mesh-config-version-in-force").orElse(null);
            long dumped = JSON.readTree(r.body()).path("meshConfigVersion").asLong(-1);
            return inForce != null && Long.parseLong(inForce) == dumped ? r.body() : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The application's own classes, copied apart from the demo's (which use the mesh API). */
    private static Path applicationClasses(Path dir) throws IOException {
        for (Class<?> c : ProductPage.class.getNestMembers()) {
            String resource = c.getName().replace('.', '/') + ".class";
            Path target = dir.resolve(resource);
            Files.createDirectories(target.getParent());
            try (InputStream in = AgentProductPage.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("no " + resource + " in the demo's class path");
                }
                Files.copy(in, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return dir;
    }

    private static Properties settings() {
        Properties p = new Properties();
        try (InputStream in = AgentProductPage.class.getClassLoader().getResourceAsStream(SETTINGS)) {
            if (in == null) {
                throw new IllegalStateException("no " + SETTINGS + ": build the demo with ./mvnw -B -q -DskipTests "
                        + "package");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
