package io.proxyless.mesh.okhttp;

import static io.proxyless.mesh.runtime.testing.MeshYaml.endpoint;
import static io.proxyless.mesh.runtime.testing.MeshYaml.serviceEntry;
import static io.proxyless.mesh.runtime.testing.MeshYaml.virtualService;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proxyless.mesh.runtime.registry.Endpoint;
import io.proxyless.mesh.runtime.testing.FakeClock;
import io.proxyless.mesh.runtime.testing.HttpUpstream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ProtocolException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plain-text mirror copies on the sender threads' own keep-alive connections: reused across copies, carrying the
 * request as OkHttp sends it, responses of every framing read to their end, stale connections replaced.
 */
class MirrorConnectionsTest {
    @TempDir
    Path dir;

    private static String[] config(HttpUpstream primary, int shadowPort) {
        return new String[] {
            serviceEntry("reviews", 9080, endpoint(primary, "")),
            serviceEntry("shadow", 9080, endpoint(shadowPort, "")),
            virtualService("reviews", """
                    - route: [{destination: {host: reviews}}]
                      mirror: {host: shadow}
                    """)
        };
    }

    @Test
    void copiesReuseTheSenderThreadsConnections() throws Exception {
        try (Harness h = new Harness()) {
            HttpUpstream primary = h.upstream("primary");
            HttpUpstream shadow = h.upstream("shadow");
            h.start(dir, b -> b.mirrorConcurrency(2), config(primary, shadow.port()));
            for (int i = 0; i < 40; i++) {
                assertThat(h.get("http://reviews:9080/r/" + i)).isEqualTo("200 primary");
            }
            Harness.await("40 completed copies", () -> h.interceptor.mirrorStats().completed() == 40);
            assertThat(shadow.count()).isEqualTo(40);
            assertThat(shadow.connections()).as("at most one connection per sender thread").isBetween(1, 2);
        }
    }

    @Test
    void aCopyCarriesTheRequestAsOkHttpSendsIt() throws Exception {
        try (Harness h = new Harness()) {
            HttpUpstream primary = h.upstream("primary");
            HttpUpstream shadow = h.upstream("shadow");
            h.start(dir, config(primary, shadow.port()));
            Request post = new Request.Builder().url("http://reviews:9080/items?id=7&q=a%20b")
                    .header("x-test", "one")
                    .post(RequestBody.create("{\"n\":1}".getBytes(StandardCharsets.UTF_8),
                            MediaType.get("application/json")))
                    .build();
            try (Response r = h.client().newCall(post).execute()) {
                assertThat(r.code()).isEqualTo(200);
            }
            assertThat(h.get("http://reviews:9080/plain")).isEqualTo("200 primary");
            Harness.await("2 copies", () -> h.interceptor.mirrorStats().completed() == 2);

            HttpUpstream.Received sent = primary.recorded.peek();
            HttpUpstream.Received copy = shadow.recorded.stream().filter(x -> x.method().equals("POST")).findFirst()
                    .orElseThrow();
            assertThat(copy.target()).isEqualTo("/items?id=7&q=a%20b");
            assertThat(copy.bodyText()).isEqualTo("{\"n\":1}");
            for (String name : new String[] {"Host", "x-test", "Content-Type", "Content-Length", "User-Agent",
                "Accept-Encoding"}) {
                assertThat(copy.values(name)).as(name).isEqualTo(sent.values(name));
            }
            HttpUpstream.Received get = shadow.recorded.stream().filter(x -> x.method().equals("GET")).findFirst()
                    .orElseThrow();
            assertThat(get.target()).isEqualTo("/plain");
            assertThat(get.body()).isEmpty();
            assertThat(get.header("Content-Length")).isNull();
        }
    }

    @Test
    void chunkedResponsesAreReadToTheEndAndTheConnectionKept() throws Exception {
        try (Harness h = new Harness()) {
            HttpUpstream primary = h.upstream("primary");
            HttpUpstream shadow = h.upstream("shadow", r -> HttpUpstream.Reply.of(200, "x".repeat(20_000))
                    .bodyAfter(() -> { }));
            h.start(dir, b -> b.mirrorConcurrency(1), config(primary, shadow.port()));
            for (int i = 0; i < 10; i++) {
                h.get("http://reviews:9080/c/" + i);
            }
            Harness.await("10 completed copies", () -> h.interceptor.mirrorStats().completed() == 10);
            assertThat(h.interceptor.mirrorStats().failed()).isZero();
            assertThat(shadow.connections()).isEqualTo(1);
        }
    }

    /**
     * A mirror that closes each connection after its response (without saying so, as a server whose idle timeout
     * passed does): the copy that finds its connection closed is sent again on a new one, so none is lost or sent
     * twice.
     */
    @Test
    void aConnectionTheMirrorClosedIsReplacedWithoutLosingTheCopy() throws Exception {
        try (Harness h = new Harness(); ClosingServer shadow = new ClosingServer()) {
            HttpUpstream primary = h.upstream("primary");
            h.start(dir, b -> b.mirrorConcurrency(1), config(primary, shadow.port()));
            for (int i = 0; i < 10; i++) {
                h.get("http://reviews:9080/s/" + i);
                int copies = i + 1;
                Harness.await(copies + " completed copies",
                        () -> h.interceptor.mirrorStats().completed() == copies);
            }
            assertThat(h.interceptor.mirrorStats()).isEqualTo(new MirrorStats(10, 0, 10, 0));
            assertThat(shadow.requests.get()).isEqualTo(10);
        }
    }

    /** A refusing mirror on the plain-text path is backed off too: one failed copy, then copies dropped. */
    @Test
    void aRefusingMirrorIsBackedOff() throws Exception {
        FakeClock clock = new FakeClock();
        try (Harness h = new Harness()) {
            HttpUpstream primary = h.upstream("primary");
            h.start(dir, clock, config(primary, HttpUpstream.deadPort()));
            h.get("http://reviews:9080/first");
            Harness.await("the first copy refused", () -> h.interceptor.mirrorStats().failed() == 1);
            for (int i = 0; i < 10; i++) {
                assertThat(h.get("http://reviews:9080/m/" + i)).isEqualTo("200 primary");
            }
            assertThat(h.interceptor.mirrorStats()).isEqualTo(new MirrorStats(1, 10, 0, 1));
        }
    }

    /**
     * Every framing of a response is read to its end and the connection is used again unless the response ends
     * it: a length, chunks with extensions and trailers, a 100 Continue before the response, HEAD and 204 without
     * a body, and a body that ends with the connection.
     */
    @Test
    void everyResponseFramingIsReadToItsEnd() throws Exception {
        String[] replies = {
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
            "HTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n10\r\n"
                    + "0123456789abcdef\r\n0\r\nTrailer: t\r\n\r\n",
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n", // the answer to a HEAD: no body follows
            "HTTP/1.1 204 No Content\r\n\r\n",
            "HTTP/1.1 503 Unavailable\r\nConnection: close\r\nContent-Length: 4\r\n\r\nbusy",
            "HTTP/1.0 200 OK\r\n\r\nuntil the end",
            "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok",
        };
        String[] methods = {"GET", "POST", "PUT", "HEAD", "DELETE", "GET", "GET", "GET"};
        int[] statuses = {200, 201, 202, 200, 204, 503, 200, 200};
        try (ScriptedServer server = new ScriptedServer(replies);
             MirrorConnections connections = new MirrorConnections(okhttp3.Dns.SYSTEM, 5_000)) {
            Endpoint endpoint = Endpoint.of("127.0.0.1", server.port());
            for (int i = 0; i < replies.length; i++) {
                Request.Builder r = new Request.Builder().url("http://shadow:9080/f/" + i);
                RequestBody body = methods[i].equals("POST") || methods[i].equals("PUT")
                        ? RequestBody.create("body".getBytes(StandardCharsets.UTF_8), null) : null;
                r.method(methods[i], body);
                assertThat(connections.send(r.build(), endpoint, "shadow:9080", 1_000, 5_000))
                        .as("reply %d", i).isEqualTo(statuses[i]);
            }
            // one connection until the 503 said close, one for the HTTP/1.0 body, one for the last
            assertThat(server.connections.get()).isEqualTo(3);
            assertThat(server.requests).containsExactly("GET /f/0", "POST /f/1", "PUT /f/2", "HEAD /f/3",
                    "DELETE /f/4", "GET /f/5", "GET /f/6", "GET /f/7");
        }
    }

    /** A sender thread keeps at most a few connections: copies to ever new endpoints close the oldest. */
    @Test
    void aSenderThreadKeepsABoundedNumberOfConnections() throws Exception {
        List<ScriptedServer> servers = new ArrayList<>();
        try (MirrorConnections connections = new MirrorConnections(okhttp3.Dns.SYSTEM, 5_000)) {
            for (int i = 0; i < MirrorConnections.MAX_PER_THREAD + 3; i++) {
                ScriptedServer server = new ScriptedServer(
                        new String[] {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"});
                servers.add(server);
                Request r = new Request.Builder().url("http://shadow:9080/").build();
                assertThat(connections.send(r, Endpoint.of("127.0.0.1", server.port()), "shadow:9080", 1_000, 5_000))
                        .isEqualTo(200);
                assertThat(connections.openConnections()).isLessThanOrEqualTo(MirrorConnections.MAX_PER_THREAD);
            }
            assertThat(connections.openConnections()).isEqualTo(MirrorConnections.MAX_PER_THREAD);
        } finally {
            for (ScriptedServer s : servers) {
                s.close();
            }
        }
    }

    /** A response that is not HTTP/1.x fails the copy (a reset, not a backoff) instead of being misread. */
    @Test
    void aResponseThatIsNotHttpFailsTheCopy() throws Exception {
        try (ScriptedServer server = new ScriptedServer(new String[] {"SSH-2.0-OpenSSH\r\n"});
             MirrorConnections connections = new MirrorConnections(okhttp3.Dns.SYSTEM, 5_000)) {
            Request r = new Request.Builder().url("http://shadow:9080/").build();
            assertThatThrownBy(() -> connections.send(r, Endpoint.of("127.0.0.1", server.port()), "shadow:9080",
                    1_000, 5_000)).isInstanceOf(ProtocolException.class);
        }
    }

    /** Answers one request per connection, then closes it without a {@code Connection: close}. */
    private static final class ClosingServer implements AutoCloseable {
        final AtomicInteger requests = new AtomicInteger();
        private final ServerSocket server;
        private final Thread acceptor;

        ClosingServer() throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
            acceptor = new Thread(this::serve, "closing-server");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve() {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    InputStream in = s.getInputStream();
                    int matched = 0;
                    while (matched < 4) { // until the blank line after the headers (GET: no body)
                        int b = in.read();
                        if (b < 0) {
                            break;
                        }
                        matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
                    }
                    if (matched == 4) {
                        requests.incrementAndGet();
                        OutputStream out = s.getOutputStream();
                        out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                    }
                } catch (IOException e) {
                    // closed: the test is over
                }
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    /** Answers the requests, over whatever connections they come in on, with the given replies in turn. */
    private static final class ScriptedServer implements AutoCloseable {
        final AtomicInteger connections = new AtomicInteger();
        final List<String> requests = new CopyOnWriteArrayList<>();
        private final String[] replies;
        private final AtomicInteger next = new AtomicInteger();
        private final ServerSocket server;

        ScriptedServer(String[] replies) throws IOException {
            this.replies = replies;
            server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
            Thread acceptor = new Thread(this::serve, "scripted-server");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve() {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    connections.incrementAndGet();
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    while (true) {
                        String head = readHead(in);
                        if (head == null) {
                            break;
                        }
                        String[] lines = head.split("\r\n");
                        String[] requestLine = lines[0].split(" ");
                        requests.add(requestLine[0] + " " + requestLine[1]);
                        for (String line : lines) {
                            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                                in.readNBytes(Integer.parseInt(line.substring(15).trim()));
                            }
                        }
                        String reply = replies[next.getAndIncrement()];
                        out.write(reply.getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        if (reply.contains("Connection: close") || reply.startsWith("HTTP/1.0")) {
                            break;
                        }
                    }
                } catch (IOException e) {
                    // closed: the test is over
                }
            }
        }

        /** The request line and headers, or null when the connection ended. */
        private static String readHead(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return null;
                }
                head.append((char) b);
            }
            return head.substring(0, head.length() - 4);
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
