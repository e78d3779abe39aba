package io.proxyless.mesh.runtime.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * A real HTTP/1.1 upstream on 127.0.0.1 for any transport's tests, on the JDK's own server: it answers with its
 * name (or what {@link #respond} says) and records what it received. A respond function may block — each request
 * has a thread of its own — so a test can hold an upstream to exercise timeouts and circuit breakers.
 *
 * <pre>{@code
 * try (HttpUpstream v1 = HttpUpstream.start("v1")) {
 *     ... "http://127.0.0.1:" + v1.port() + "/" answers 200 "v1"
 *     v1.hosts(); // the Host header of every request
 * }
 * }</pre>
 */
public final class HttpUpstream implements AutoCloseable {

    /**
     * One request as the upstream received it (header names compared case-insensitively);
     * {@code peerCertificates}: the client's certificate chain over TLS, else empty.
     */
    public record Received(String method, String target, Map<String, List<String>> headers, byte[] body,
                           List<Certificate> peerCertificates) {
        public String header(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        public List<String> values(String name) {
            return headers.getOrDefault(name, List.of());
        }

        /** The path of the request target, without the query. */
        public String path() {
            int q = target.indexOf('?');
            return q < 0 ? target : target.substring(0, q);
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /**
     * What to answer: a status, headers and a body; {@code beforeBody}, when set, runs after the headers went
     * out and before the body does (a body that comes late).
     */
    public record Reply(int status, Map<String, String> headers, String body, Runnable beforeBody) {
        public static Reply of(int status, String body) {
            return new Reply(status, Map.of(), body, null);
        }

        public Reply header(String name, String value) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put(name, value);
            return new Reply(status, h, body, beforeBody);
        }

        /** This reply with its body sent only once {@code wait} returns. */
        public Reply bodyAfter(Runnable wait) {
            return new Reply(status, headers, body, wait);
        }
    }

    public final String name;
    public final ConcurrentLinkedQueue<Received> recorded = new ConcurrentLinkedQueue<>();
    /** How the upstream answers; a test may replace it while the upstream runs. */
    public volatile Function<Received, Reply> respond;
    private final AtomicInteger requests = new AtomicInteger();
    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "upstream");
        t.setDaemon(true);
        return t;
    });

    private HttpUpstream(String name, Function<Received, Reply> respond, SSLContext tls, boolean needClientAuth) {
        this(name, respond, tls, needClientAuth, "127.0.0.1", 0);
    }

    private HttpUpstream(String name, Function<Received, Reply> respond, SSLContext tls, boolean needClientAuth,
                         String host, int port) {
        this.name = name;
        this.respond = respond;
        try {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(host), port);
            if (tls == null) {
                server = HttpServer.create(address, 0);
            } else {
                HttpsServer https = HttpsServer.create(address, 0);
                https.setHttpsConfigurator(new HttpsConfigurator(tls) {
                    @Override
                    public void configure(HttpsParameters params) {
                        SSLParameters p = tls.getDefaultSSLParameters();
                        p.setNeedClientAuth(needClientAuth);
                        params.setSSLParameters(p);
                    }
                });
                server = https;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Answers every request with 200 and its name. */
    public static HttpUpstream start(String name) {
        return new HttpUpstream(name, r -> Reply.of(200, name), null, false);
    }

    public static HttpUpstream start(String name, Function<Received, Reply> respond) {
        return new HttpUpstream(name, respond, null, false);
    }

    /**
     * Answers every request with 200 and its name, on {@code address} (127.0.0.1, 127.0.0.2, ...) and {@code port}
     * (0: any free one); fails with {@link UncheckedIOException} where that cannot be bound.
     */
    public static HttpUpstream start(String name, String address, int port) {
        return new HttpUpstream(name, r -> Reply.of(200, name), null, false, address, port);
    }

    /** A TLS upstream with {@code tls}'s certificate; requires a client certificate when asked. */
    public static HttpUpstream startHttps(String name, SSLContext tls, boolean needClientAuth) {
        return new HttpUpstream(name, r -> Reply.of(200, name), tls, needClientAuth);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            exchange.getRequestHeaders().forEach((k, v) -> headers.computeIfAbsent(k, x -> new ArrayList<>())
                    .addAll(v));
            Received received = new Received(exchange.getRequestMethod(),
                    exchange.getRequestURI().getRawPath() + (exchange.getRequestURI().getRawQuery() == null ? ""
                            : "?" + exchange.getRequestURI().getRawQuery()), headers, body,
                    peerCertificates(exchange));
            requests.incrementAndGet();
            recorded.add(received);
            Reply reply = respond.apply(received);
            reply.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            byte[] out = reply.body().getBytes(StandardCharsets.UTF_8);
            if (reply.beforeBody() != null) {
                exchange.sendResponseHeaders(reply.status(), 0); // chunked: the body follows later
                OutputStream os = exchange.getResponseBody();
                os.flush();
                reply.beforeBody().run();
                os.write(out);
                os.close();
                return;
            }
            exchange.sendResponseHeaders(reply.status(), out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                try (OutputStream os = exchange.getResponseBody()) {
                    os.write(out);
                }
            }
        }
    }

    private static List<Certificate> peerCertificates(HttpExchange exchange) {
        if (exchange instanceof HttpsExchange https) {
            try {
                return List.of(https.getSSLSession().getPeerCertificates());
            } catch (SSLPeerUnverifiedException e) {
                return List.of(); // no client certificate
            }
        }
        return List.of();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Requests received so far. */
    public int count() {
        return requests.get();
    }

    /** The {@code Host} header of every request received. */
    public List<String> hosts() {
        return recorded.stream().map(r -> r.header("Host")).toList();
    }

    /**
     * A port on 127.0.0.1 free a moment ago, for a server the test starts itself (in another process, say). Not a
     * refusing endpoint: use {@link #deadPort()} for that.
     */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sockets holding {@link #deadPort()}s for the life of the test JVM. */
    private static final Queue<Socket> RESERVED = new ConcurrentLinkedQueue<>();

    /**
     * A port on 127.0.0.1 where nothing listens: connections are refused. The port stays bound (a socket that
     * never listens), so no other server, in this JVM or another build on the machine, can take it meanwhile.
     */
    public static int deadPort() {
        Socket s = new Socket();
        try {
            s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RESERVED.add(s);
        return s.getLocalPort();
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
