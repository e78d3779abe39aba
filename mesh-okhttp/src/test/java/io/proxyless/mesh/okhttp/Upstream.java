package io.proxyless.mesh.okhttp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import javax.net.ServerSocketFactory;
import javax.net.ssl.SSLSocketFactory;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.tls.HandshakeCertificates;

/** A real upstream: a MockWebServer on 127.0.0.1 that answers with its name and records what it received. */
final class Upstream implements AutoCloseable {
    final String name;
    final MockWebServer server = new MockWebServer();
    final AtomicInteger requests = new AtomicInteger();
    final ConcurrentLinkedQueue<RecordedRequest> recorded = new ConcurrentLinkedQueue<>();
    volatile Function<RecordedRequest, MockResponse> respond;

    private Upstream(String name, Function<RecordedRequest, MockResponse> respond) {
        this.name = name;
        this.respond = respond;
        server.setServerSocketFactory(NO_DELAY);
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                requests.incrementAndGet();
                recorded.add(request);
                return Upstream.this.respond.apply(request);
            }
        });
    }

    /**
     * Server sockets whose accepted connections disable Nagle's algorithm: MockWebServer writes headers and
     * body separately, and with Nagle on, each response waits ~40 ms for the client's delayed ACK.
     */
    private static final ServerSocketFactory NO_DELAY = new ServerSocketFactory() {
        private ServerSocket noDelay() throws IOException {
            return new ServerSocket() {
                @Override
                public Socket accept() throws IOException {
                    Socket s = super.accept();
                    s.setTcpNoDelay(true);
                    return s;
                }
            };
        }

        @Override
        public ServerSocket createServerSocket() throws IOException {
            return noDelay();
        }

        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            ServerSocket s = noDelay();
            s.bind(new InetSocketAddress(port));
            return s;
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog) throws IOException {
            ServerSocket s = noDelay();
            s.bind(new InetSocketAddress(port), backlog);
            return s;
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog, InetAddress address) throws IOException {
            ServerSocket s = noDelay();
            s.bind(new InetSocketAddress(address, port), backlog);
            return s;
        }
    };

    static MockResponse ok(String body) {
        return new MockResponse.Builder().code(200).body(body).build();
    }

    /** Answers every request with 200 and its name. */
    static Upstream start(String name) {
        return start(name, r -> ok(name));
    }

    static Upstream start(String name, Function<RecordedRequest, MockResponse> respond) {
        Upstream u = new Upstream(name, respond);
        try {
            u.server.start(InetAddress.getByName("127.0.0.1"), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return u;
    }

    /** A TLS upstream presenting {@code certificates}; requires a client certificate when asked. */
    static Upstream startHttps(String name, HandshakeCertificates certificates, boolean requireClientAuth) {
        return startHttps(name, certificates.sslSocketFactory(), requireClientAuth);
    }

    static Upstream startHttps(String name, SSLSocketFactory sockets, boolean requireClientAuth) {
        Upstream u = new Upstream(name, r -> ok(name));
        u.server.useHttps(sockets);
        if (requireClientAuth) {
            u.server.requireClientAuth();
        }
        try {
            u.server.start(InetAddress.getByName("127.0.0.1"), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return u;
    }

    int port() {
        return server.getPort();
    }

    int count() {
        return requests.get();
    }

    List<String> hosts() {
        return recorded.stream().map(r -> r.getHeaders().get("Host")).toList();
    }

    /** A port on 127.0.0.1 where nothing listens: connections are refused. */
    static int deadPort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
