package io.proxyless.mesh.micrometer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Prometheus server (Debian's {@code prometheus} package), started with a temporary config that scrapes one
 * target every 250 ms, listening on 127.0.0.1, and queried through its HTTP API.
 */
final class PrometheusServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Process process;
    private final Path log;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private PrometheusServer(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /** The Prometheus binary: {@code $PROMETHEUS_BIN}, else {@code prometheus} on the PATH, else Debian's path. */
    static Optional<Path> binary() {
        String configured = System.getenv("PROMETHEUS_BIN");
        if (configured != null && !configured.isBlank()) {
            return Optional.of(Path.of(configured)).filter(Files::isExecutable);
        }
        String path = System.getenv().getOrDefault("PATH", "");
        return Stream.concat(Stream.of(path.split(java.io.File.pathSeparator)).filter(p -> !p.isEmpty())
                        .map(p -> Path.of(p, "prometheus")), Stream.of(Path.of("/usr/bin/prometheus")))
                .filter(Files::isExecutable).findFirst();
    }

    /** Starts {@code binary} scraping {@code http://127.0.0.1:targetPort/stats/prometheus}; waits until ready. */
    static PrometheusServer start(Path binary, Path dir, int targetPort) throws IOException {
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, """
                global: {scrape_interval: 250ms, scrape_timeout: 250ms, evaluation_interval: 250ms}
                scrape_configs:
                - job_name: mesh-app
                  metrics_path: /stats/prometheus
                  static_configs: [{targets: ['127.0.0.1:%d']}]
                """.formatted(targetPort));
        Path log = dir.resolve("prometheus.log");
        int port = freePort();
        Process p = new ProcessBuilder(binary.toString(), "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PrometheusServer server = new PrometheusServer(p, log, port);
        Configs.await("Prometheus to be ready on 127.0.0.1:" + port, () -> {
            if (!p.isAlive()) {
                throw new AssertionError("Prometheus exited with " + p.exitValue() + ": " + server.log());
            }
            return server.ready();
        });
        return server;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    private boolean ready() {
        try {
            return get("/-/ready").statusCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether the scrape target is up (its last scrape succeeded). */
    boolean targetUp() {
        return query("up").values().stream().anyMatch(v -> v == 1.0);
    }

    /**
     * An instant query: each result series' labels (as {@code a=b,c=d}, empty for an aggregate without labels)
     * and its value.
     */
    Map<String, Double> query(String promql) {
        try {
            HttpResponse<String> r = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
            JsonNode body = JSON.readTree(r.body());
            if (r.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
                throw new AssertionError("query " + promql + " failed: " + r.statusCode() + " " + r.body());
            }
            Map<String, Double> out = new LinkedHashMap<>();
            for (JsonNode series : body.path("data").path("result")) {
                StringBuilder key = new StringBuilder();
                series.path("metric").fields().forEachRemaining(e -> key.append(key.length() == 0 ? "" : ",")
                        .append(e.getKey()).append('=').append(e.getValue().asText()));
                out.put(key.toString(), Double.valueOf(series.path("value").get(1).asText()));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The single value of an aggregate query, or 0 when it has no result yet. */
    double scalar(String promql) {
        Map<String, Double> r = query(promql);
        if (r.size() > 1) {
            throw new AssertionError(promql + " has " + r.size() + " series: " + r);
        }
        return r.values().stream().findFirst().orElse(0.0);
    }

    private HttpResponse<String> get(String pathAndQuery) throws IOException {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    String log() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
