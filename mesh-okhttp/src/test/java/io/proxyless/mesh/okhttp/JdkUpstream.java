package io.proxyless.mesh.okhttp;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.proxyless.mesh.runtime.tls.TestPki;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A real upstream made with the JDK's HTTP server, for the scenarios that run on both OkHttp lines
 * ({@link OkHttpLineTest}): MockWebServer belongs to one OkHttp line, this server to none. Answers with its name,
 * records the {@code Host} each request carried, and can hold requests until released.
 */
final class JdkUpstream implements AutoCloseable {
    final String name;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final AtomicInteger requests = new AtomicInteger();
    private final ConcurrentLinkedQueue<String> hosts = new ConcurrentLinkedQueue<>();
    private volatile CountDownLatch hold;

    private JdkUpstream(String name, HttpServer server) {
        this.name = name;
        this.server = server;
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /** Plain HTTP on {@code address} (127.0.0.1, 127.0.0.2, ...) and {@code port} (0: any free one). */
    static JdkUpstream start(String name, String address, int port) {
        try {
            return new JdkUpstream(name, HttpServer.create(new InetSocketAddress(InetAddress.getByName(address), port), 0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JdkUpstream start(String name) {
        return start(name, "127.0.0.1", 0);
    }

    /** TLS on 127.0.0.1 presenting {@code certificate} (issued by {@code ca}). */
    static JdkUpstream startHttps(String name, TestPki.Issued certificate, TestPki.Issued ca) {
        try {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            char[] password = "test".toCharArray();
            keys.setKeyEntry("server", certificate.keyPair().getPrivate(), password,
                    new Certificate[] {certificate.certificate(), ca.certificate()});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
            server.setHttpsConfigurator(new HttpsConfigurator(context));
            return new JdkUpstream(name, server);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** From now on, requests wait until {@link #release()} (or the client goes away). */
    void holdRequests() {
        hold = new CountDownLatch(1);
    }

    void release() {
        CountDownLatch h = hold;
        if (h != null) {
            h.countDown();
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            requests.incrementAndGet();
            hosts.add(String.valueOf(exchange.getRequestHeaders().getFirst("Host")));
            exchange.getRequestBody().readAllBytes();
            CountDownLatch h = hold;
            if (h != null) {
                try {
                    h.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] body = name.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    /** A port on 127.0.0.1 where nothing listens: connections are refused. */
    static int deadPort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int port() {
        return server.getAddress().getPort();
    }

    int count() {
        return requests.get();
    }

    List<String> hosts() {
        return List.copyOf(hosts);
    }

    @Override
    public void close() {
        release();
        server.stop(0);
        executor.shutdownNow();
    }
}
