package io.proxyless.mesh.micrometer;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;

/**
 * A real HTTP server on 127.0.0.1 that answers every request with its name; {@code status} picks the status of
 * the n-th request (1-based), and {@link #hold} makes it wait until released.
 */
final class HttpUpstream implements AutoCloseable {
    final String name;
    final AtomicInteger requests = new AtomicInteger();
    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final IntUnaryOperator status;
    private final java.util.concurrent.CountDownLatch release;

    private HttpUpstream(String name, IntUnaryOperator status, java.util.concurrent.CountDownLatch release) {
        this.name = name;
        this.status = status;
        this.release = release;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(threads);
        server.createContext("/", this::answer);
        server.start();
    }

    static HttpUpstream start(String name) {
        return new HttpUpstream(name, n -> 200, null);
    }

    static HttpUpstream start(String name, IntUnaryOperator status) {
        return new HttpUpstream(name, status, null);
    }

    /** An upstream that holds every request until {@code release} opens. */
    static HttpUpstream hold(String name, java.util.concurrent.CountDownLatch release) {
        return new HttpUpstream(name, n -> 200, release);
    }

    int port() {
        return server.getAddress().getPort();
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            int n = requests.incrementAndGet();
            if (release != null) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] body = name.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status.applyAsInt(n), body.length);
            exchange.getResponseBody().write(body);
        }
    }

    @Override
    public void close() {
        if (release != null) {
            release.countDown();
        }
        server.stop(0);
        threads.shutdownNow();
    }
}
