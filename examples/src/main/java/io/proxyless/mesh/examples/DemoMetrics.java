package io.proxyless.mesh.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.proxyless.mesh.micrometer.MeshMetrics;
import io.proxyless.mesh.micrometer.SourceIdentity;
import io.proxyless.mesh.runtime.Mesh;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Istio's standard metrics of the demo's client workloads, as their sidecars would report them: each workload's
 * mesh reports into its own Prometheus registry ({@code mesh-micrometer}), served at Istio's merged-metrics path
 * {@code /stats/prometheus} on a port of its own, as each pod serves its own. {@link #summary} answers, for one
 * scenario, what Kiali and Istio's dashboards ask Prometheus: requests by destination version and by response code
 * and flags, summed over the workloads.
 */
final class DemoMetrics implements AutoCloseable {
    static final String PATH = "/stats/prometheus";
    private static final String REQUESTS = "istio_requests_total";
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");
    static final String BY_VERSION = "sum by (destination_service_name, destination_version) "
            + "(increase(istio_requests_total[scenario]))";
    static final String BY_CODE = "sum by (response_code, response_flags) (increase(istio_requests_total[scenario]))";

    /** One workload's registry, its binding to the workload's mesh and its stats endpoint. */
    private record Workload(String name, PrometheusMeterRegistry registry, MeshMetrics metrics, HttpServer server) {
        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + PATH;
        }
    }

    /** Requests counted so far, by the label values a summary groups by. */
    record Counts(Map<List<String>, Double> requests) {
        /** What was counted between {@code before} and this, grouped by {@code key}, without empty groups. */
        Map<String, Long> since(Counts before, Function<List<String>, String> key) {
            Map<String, Long> out = new TreeMap<>();
            requests.forEach((labels, value) -> {
                long delta = Math.round(value - before.requests.getOrDefault(labels, 0.0));
                if (delta > 0) {
                    out.merge(key.apply(labels), delta, Long::sum);
                }
            });
            return out;
        }
    }

    private final List<Workload> workloads;
    /** Workloads that serve their metrics themselves (an injected one: its agent), by name: their URLs. */
    private final Map<String, String> served;
    private final HttpClient scraper = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private DemoMetrics(List<Workload> workloads, Map<String, String> served) {
        this.workloads = workloads;
        this.served = served;
    }

    /**
     * Binds Istio's metrics to each workload's mesh ({@code workload name → identity and mesh}) and starts serving
     * each at {@code /stats/prometheus} on 127.0.0.1.
     */
    static DemoMetrics start(Map<SourceIdentity, Mesh> meshes) {
        return start(meshes, Map.of());
    }

    /**
     * As {@link #start(Map)}, with workloads that serve Istio's metrics themselves ({@code name → URL} of their
     * {@code /stats/prometheus}, as an injected workload's agent does), scraped for the summaries.
     */
    static DemoMetrics start(Map<SourceIdentity, Mesh> meshes, Map<String, String> served) {
        List<Workload> workloads = new ArrayList<>();
        meshes.forEach((identity, mesh) -> {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            MeshMetrics metrics = MeshMetrics.builder().source(identity).bindTo(mesh, registry);
            workloads.add(new Workload(identity.workload(), registry, metrics, serve(registry)));
        });
        return new DemoMetrics(workloads, new LinkedHashMap<>(served));
    }

    /** The identity a sidecar in a Bookinfo pod would report: namespace default, the app's labels. */
    static SourceIdentity identity(String workload, String app, String version) {
        return SourceIdentity.fromEnvironment(podEnvironment(workload, app, version)::get, "default");
    }

    /** The environment Istio's injection gives a Bookinfo pod, from which its identity is read. */
    static Map<String, String> podEnvironment(String workload, String app, String version) {
        Map<String, String> pod = new LinkedHashMap<>();
        pod.put("POD_NAMESPACE", "default");
        pod.put("ISTIO_META_WORKLOAD_NAME", workload);
        pod.put("ISTIO_META_CLUSTER_ID", "Kubernetes");
        pod.put("SERVICE_ACCOUNT", "bookinfo-" + app);
        pod.put("ISTIO_METAJSON_LABELS", version == null ? "{\"app\":\"" + app + "\"}"
                : "{\"app\":\"" + app + "\",\"version\":\"" + version + "\"}");
        return pod;
    }

    private static HttpServer serve(PrometheusMeterRegistry registry) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
            server.createContext(PATH, exchange -> scrape(exchange, registry));
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void scrape(HttpExchange exchange, PrometheusMeterRegistry registry) throws IOException {
        try (exchange) {
            if (!exchange.getRequestURI().getPath().equals(PATH)) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(body);
            }
        }
    }

    /** {@code workload → http://127.0.0.1:PORT/stats/prometheus}, in the order the workloads were given. */
    Map<String, String> urls() {
        Map<String, String> out = new LinkedHashMap<>();
        workloads.forEach(w -> out.put(w.name(), w.url()));
        out.putAll(served);
        return out;
    }

    /**
     * {@code istio_requests_total} summed over the workloads by (destination_service_name, destination_version,
     * response_code, response_flags).
     */
    Counts counts() {
        Map<List<String>, Double> out = new LinkedHashMap<>();
        for (Workload w : workloads) {
            for (Counter c : w.registry().find("istio_requests_total").counters()) {
                List<String> labels = List.of(c.getId().getTag("destination_service_name"),
                        c.getId().getTag("destination_version"), c.getId().getTag("response_code"),
                        c.getId().getTag("response_flags"));
                out.merge(labels, c.count(), Double::sum);
            }
        }
        for (String url : served.values()) {
            for (String line : scrape(url).split("\n")) {
                if (line.startsWith(REQUESTS + "{")) {
                    Map<String, String> l = labels(line);
                    out.merge(List.of(l.get("destination_service_name"), l.get("destination_version"),
                            l.get("response_code"), l.get("response_flags")),
                            Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), Double::sum);
                }
            }
        }
        return new Counts(out);
    }

    private String scrape(String url) {
        try {
            HttpResponse<String> r = scraper.send(HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException(url + " answered " + r.statusCode());
            }
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException(url + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The labels of one sample line of the Prometheus text format: {@code name{k="v",...} value}. */
    static Map<String, String> labels(String sample) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = LABEL.matcher(sample.substring(sample.indexOf('{') + 1, sample.lastIndexOf('}')));
        while (m.find()) {
            out.put(m.group(1), m.group(2).replace("\\\"", "\"").replace("\\\\", "\\"));
        }
        return out;
    }

    /**
     * The two PromQL-style answers for what happened since {@code before}: each query, then its series as
     * {@code labels value}, comma-separated ({@code none} when no request was counted).
     */
    List<String> summary(Counts before) {
        Counts now = counts();
        return List.of(BY_VERSION, line(now.since(before, l -> l.get(0) + " " + l.get(1))),
                BY_CODE, line(now.since(before, l -> l.get(2) + " " + l.get(3))));
    }

    private static String line(Map<String, Long> series) {
        return series.isEmpty() ? "none" : series.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
    }

    @Override
    public void close() {
        for (Workload w : workloads) {
            w.server().stop(0);
            w.metrics().close();
            w.registry().close();
        }
    }
}
