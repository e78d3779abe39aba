package io.proxyless.mesh.examples;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.tls.TlsConfigException;
import io.proxyless.mesh.servlet.MeshAuthorizationFilter;
import io.proxyless.mesh.servlet.MeshServerTls;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.DetectorConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * One HTTP workload (a "pod") of the demo: an embedded Jetty on 127.0.0.1, an ephemeral port. It records every
 * request it receives — headers, whether it came over mutual TLS and the caller's verified SPIFFE identity — and the
 * most requests it had in flight at once, so that scenarios measure what really arrived.
 *
 * <p>A workload in the mesh ({@link #inMesh}) is served the way {@code mesh-servlet} serves a proxyless service:
 * its port takes mutual TLS with the workload certificates ({@link MeshServerTls}) and plain text (Jetty's TLS
 * detection), and {@link MeshAuthorizationFilter} enforces the PeerAuthentication mode and the AuthorizationPolicies
 * of the workload's mesh config before the application sees a request — STRICT refuses plain text, a denied request
 * gets {@code 403 RBAC: access denied}.
 */
final class HttpWorkload implements AutoCloseable {
    /** A request as the workload received it; header names lower case; peer the caller's SPIFFE id or null. */
    record Received(String method, String path, String query, Map<String, String> headers, boolean mutualTls,
                    String peer) {
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

    private final String name;
    private final Handler handler;
    private final Server server;
    private final ServerConnector connector;
    private final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final AtomicInteger sequence = new AtomicInteger();
    private volatile boolean failEveryOther;

    private HttpWorkload(String name, Handler handler, Mesh mesh) {
        this.name = name;
        this.handler = handler;
        QueuedThreadPool threads = new QueuedThreadPool(64, 2);
        threads.setName(name);
        threads.setDaemon(true);
        server = new Server(threads);
        HttpConfiguration config = new HttpConfiguration();
        config.setSendServerVersion(false);
        HttpConnectionFactory http = new HttpConnectionFactory(config);
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(new ServletHolder(new Application()), "/*");
        if (mesh == null) {
            connector = new ServerConnector(server, 1, 1, http);
        } else {
            // The client certificate becomes a request attribute here, for the filter to read the SPIFFE id.
            SecureRequestCustomizer secure = new SecureRequestCustomizer();
            secure.setSniHostCheck(false);
            config.addCustomizer(secure);
            SslContextFactory.Server tls = new SslContextFactory.Server();
            try {
                tls.setSslContext(MeshServerTls.sslContext(mesh));
            } catch (TlsConfigException e) {
                throw new IllegalStateException(name + ": the workload certificates can't be used", e);
            }
            // PERMISSIVE needs mTLS and plain text on one port; the filter refuses plain text when it is STRICT.
            connector = new ServerConnector(server, 1, 1,
                    new DetectorConnectionFactory(new SslConnectionFactory(tls, http.getProtocol())), http);
            context.addFilter(new FilterHolder(MeshAuthorizationFilter.create(mesh)), "/*",
                    EnumSet.of(DispatcherType.REQUEST));
        }
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(context);
        try {
            server.start();
        } catch (Exception e) {
            throw new IllegalStateException(name + " did not start", e);
        }
        if (mesh != null) {
            // Its port is known now: a mesh configured from xDS asks for the port's inbound listener.
            mesh.serveInbound(port());
        }
    }

    /** A workload outside the mesh's mTLS (productpage behind the ingress, httpbin, external sites, gateways). */
    static HttpWorkload plain(String name, Handler handler) {
        return new HttpWorkload(name, handler, null);
    }

    /**
     * A workload with a mesh identity: its {@code mesh} (namespace and labels of the workload, its certificates)
     * decides the mTLS mode of the port and who may call it.
     */
    static HttpWorkload inMesh(String name, Handler handler, Mesh mesh) {
        return new HttpWorkload(name, handler, mesh);
    }

    /** The port clients connect to. */
    int port() {
        return connector.getLocalPort();
    }

    /** When on, every other request (the first, third, ...) fails with 503, as a broken pod would. */
    void failEveryOther(boolean on) {
        sequence.set(0);
        failEveryOther = on;
    }

    /** Requests received (past the mesh's checks) since the last {@link #reset()}. */
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

    /** The workload's application: records the request and answers with the handler's reply. */
    private final class Application extends HttpServlet {
        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            try {
                request.getInputStream().readAllBytes();
                Map<String, String> headers = new TreeMap<>();
                for (String header : Collections.list(request.getHeaderNames())) {
                    headers.put(header.toLowerCase(Locale.ROOT),
                            String.join(",", Collections.list(request.getHeaders(header))));
                }
                String peer = (String) request.getAttribute(MeshAuthorizationFilter.PEER_IDENTITY);
                Received r = new Received(request.getMethod(), request.getRequestURI(), request.getQueryString(),
                        headers, request.isSecure(), peer);
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
                response.setStatus(reply.status());
                response.setContentType("text/plain; charset=utf-8");
                response.setHeader("x-served-by", name);
                response.setContentLength(bytes.length);
                response.getOutputStream().write(bytes);
            } finally {
                inFlight.decrementAndGet();
            }
        }
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            // stopping anyway
        }
    }
}
