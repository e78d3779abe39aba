package io.proxyless.mesh.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import okhttp3.tls.HandshakeCertificates;

/**
 * One HTTP workload (a "pod") of the demo: the JDK's {@link HttpServer} on 127.0.0.1, an ephemeral port. It records
 * every request it receives — headers, whether it came over mutual TLS and the client certificate's name — and the
 * most requests it had in flight at once, so that scenarios measure what really arrived.
 *
 * <p>A workload in the mesh ({@link #inMesh}) has an {@link InboundPort} in front: plain text and mutual TLS on one
 * port (PERMISSIVE), or mutual TLS only (STRICT).
 */
final class HttpWorkload implements AutoCloseable {
    /** A request as the workload received it; header names lower case. */
    record Received(String method, String path, String query, Map<String, String> headers, boolean mutualTls,
                    String clientCertificate) {
        String header(String name) {
            return headers.get(name);
        }
    }

    /** The answer to a request. */
    record Reply(int status, String body) {
        static Reply ok(String body) {
            return new Reply(200, body);
        }
    }

    /** The workload's application code. */
    interface Handler {
        Reply handle(Received request) throws Exception;
    }

    private static final AtomicInteger THREADS = new AtomicInteger();

    private final String name;
    private final Handler handler;
    private final ExecutorService executor;
    private final HttpServer plain;
    private final HttpsServer tls;
    private final InboundPort inbound;
    private final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final AtomicInteger sequence = new AtomicInteger();
    private volatile boolean failEveryOther;

    private HttpWorkload(String name, Handler handler, HandshakeCertificates certificates) {
        this.name = name;
        this.handler = handler;
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, name + "-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
            plain = HttpServer.create(any, 128);
            plain.createContext("/", this::serve);
            plain.setExecutor(executor);
            plain.start();
            if (certificates == null) {
                tls = null;
                inbound = null;
                return;
            }
            tls = HttpsServer.create(any, 128);
            tls.setHttpsConfigurator(new HttpsConfigurator(certificates.sslContext()) {
                @Override
                public void configure(HttpsParameters params) {
                    // Mutual TLS: the client must show a mesh certificate. (Set through SSLParameters: the JDK
                    // applies HttpsParameters.setNeedClientAuth and then resets it with setWantClientAuth(false).)
                    SSLParameters ssl = getSSLContext().getDefaultSSLParameters();
                    ssl.setNeedClientAuth(true);
                    params.setSSLParameters(ssl);
                }
            });
            tls.createContext("/", this::serve);
            tls.setExecutor(executor);
            tls.start();
            inbound = new InboundPort(plain.getAddress().getPort(), tls.getAddress().getPort());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A workload outside the mesh's mTLS (httpbin, external sites, the egress gateway). */
    static HttpWorkload plain(String name, Handler handler) {
        return new HttpWorkload(name, handler, null);
    }

    /** A workload with a mesh identity: PERMISSIVE inbound port, mutual TLS with {@code certificates}. */
    static HttpWorkload inMesh(String name, Handler handler, HandshakeCertificates certificates) {
        return new HttpWorkload(name, handler, certificates);
    }

    /** The port clients connect to. */
    int port() {
        return inbound != null ? inbound.port() : plain.getAddress().getPort();
    }

    /** The inbound port's mTLS mode (workloads in the mesh only). */
    InboundPort inbound() {
        return inbound;
    }

    /** When on, every other request (the first, third, ...) fails with 503, as a broken pod would. */
    void failEveryOther(boolean on) {
        sequence.set(0);
        failEveryOther = on;
    }

    /** Requests received since the last {@link #reset()}. */
    List<Received> received() {
        return new ArrayList<>(received);
    }

    int count() {
        return received.size();
    }

    int maxInFlight() {
        return maxInFlight.get();
    }

    /** Forgets what was received (between measurements). */
    void reset() {
        received.clear();
        maxInFlight.set(0);
    }

    private void serve(HttpExchange exchange) throws IOException {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        try (exchange) {
            try (InputStream body = exchange.getRequestBody()) {
                body.readAllBytes();
            }
            Map<String, String> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
            String peer = null;
            boolean mutual = false;
            if (exchange instanceof HttpsExchange https) {
                mutual = true;
                peer = peerName(https);
            }
            Received r = new Received(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    exchange.getRequestURI().getRawQuery(), headers, mutual, peer);
            received.add(r);
            Reply reply;
            if (failEveryOther && sequence.incrementAndGet() % 2 == 1) {
                reply = new Reply(503, name + " is failing");
            } else {
                try {
                    reply = handler.handle(r);
                } catch (Exception e) {
                    reply = new Reply(500, name + ": " + e);
                }
            }
            byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.getResponseHeaders().set("x-served-by", name);
            exchange.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        } finally {
            inFlight.decrementAndGet();
        }
    }

    /** The client certificate's common name. */
    private static String peerName(HttpsExchange exchange) {
        try {
            Certificate[] chain = exchange.getSSLSession().getPeerCertificates();
            return commonName((X509Certificate) chain[0]);
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    static String commonName(X509Certificate certificate) {
        for (String part : certificate.getSubjectX500Principal().getName().split(",")) {
            if (part.startsWith("CN=")) {
                return part.substring(3);
            }
        }
        return certificate.getSubjectX500Principal().getName();
    }

    @Override
    public void close() {
        if (inbound != null) {
            inbound.close();
        }
        plain.stop(0);
        if (tls != null) {
            tls.stop(0);
        }
        executor.shutdownNow();
    }
}
