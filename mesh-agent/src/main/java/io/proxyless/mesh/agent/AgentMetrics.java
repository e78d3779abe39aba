package io.proxyless.mesh.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.proxyless.mesh.micrometer.MeshMetrics;
import io.proxyless.mesh.runtime.Mesh;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * Istio's standard metrics and Envoy's cluster stats of the workload's calls ({@link MeshMetrics}) at
 * {@code :15020/stats/prometheus}, where a sidecar serves its merged metrics, so that the scrape annotations Istio
 * puts on injected pods find them unchanged. Source labels come from the pod's environment, as for a sidecar.
 *
 * <p>The server's threads are daemon threads (it is started from the agent's own daemon thread, whose status its
 * dispatcher inherits): serving metrics never keeps the application's JVM alive.
 */
final class AgentMetrics {
    static final String PATH = "/stats/prometheus";

    private AgentMetrics() {
    }

    /**
     * Binds the metrics to {@code mesh}: before the application's first call may use it, so that every call is
     * counted, as by a sidecar.
     */
    static PrometheusMeterRegistry bind(Mesh mesh) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MeshMetrics.bindTo(mesh, registry);
        return registry;
    }

    /**
     * Serves the metrics on {@code port} (all interfaces, as a sidecar's 15020).
     *
     * @return the server, for the agent to stop when the JVM exits
     * @throws IOException when the port cannot be bound (the caller logs it; the mesh works without metrics)
     */
    static HttpServer serve(PrometheusMeterRegistry registry, int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        server.createContext(PATH, exchange -> serve(exchange, registry));
        server.start();
        return server;
    }

    private static void serve(HttpExchange exchange, PrometheusMeterRegistry registry) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod()) || !PATH.equals(exchange.getRequestURI().getPath())) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
