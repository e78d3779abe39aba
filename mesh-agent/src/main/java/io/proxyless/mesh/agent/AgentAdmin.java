package io.proxyless.mesh.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.proxyless.mesh.runtime.Mesh;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The workload's config dump at {@code 127.0.0.1:15000/config_dump}, where a sidecar's Envoy serves its admin
 * interface: every resource the config source holds, with its version and status ({@link Mesh#configDump()}),
 * so that what the injected mesh runs with can be read as {@code istioctl proxy-config} reads a sidecar's. The
 * header {@value #IN_FORCE_HEADER} names the config version the mesh routes with, which the dump's
 * {@code meshConfigVersion} reaches once a change is compiled. Like Envoy's admin in an
 * Istio pod it listens on the loopback address only.
 */
final class AgentAdmin {
    static final String PATH = "/config_dump";
    /** The version of the config the mesh routes with ({@code meshConfigVersion} of the dump once it is in force). */
    static final String IN_FORCE_HEADER = "x-mesh-config-version-in-force";

    private AgentAdmin() {
    }

    /**
     * Serves {@code mesh}'s config dump on {@code 127.0.0.1:port}.
     *
     * @return the server, for the agent to stop when the JVM exits
     * @throws IOException when the port cannot be bound (the caller logs it; the mesh works without it)
     */
    static HttpServer start(Mesh mesh, int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.createContext(PATH, exchange -> serve(exchange, mesh));
        server.start();
        return server;
    }

    private static void serve(HttpExchange exchange, Mesh mesh) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod()) || !PATH.equals(exchange.getRequestURI().getPath())) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            // Read before the dump: a source's dump can run ahead of the mesh by the one config being compiled,
            // and a reader that must know the dump is in force compares the two versions.
            long inForce = mesh.snapshot().version();
            byte[] body = mesh.configDump().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.getResponseHeaders().set(IN_FORCE_HEADER, Long.toString(inForce));
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
