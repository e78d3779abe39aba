package io.proxyless.mesh.servlet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.EnumSet;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.DetectorConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * A real Jetty 12 (ee10 servlets) on 127.0.0.1 with the filter under test in front of one servlet that answers
 * {@code METHOD PATH peer=IDENTITY} (the request attribute the filter sets, or {@code -}).
 *
 * <p>The connector is what an application would configure with the mesh's {@code SSLContext}: TLS only (what a
 * STRICT port needs) or Jetty's TLS detection, TLS and plain text on one port (PERMISSIVE). Nothing about client
 * certificates is set on Jetty: the context's engines ask for them.
 */
final class JettyServer implements AutoCloseable {
    private final Server server;
    private final ServerConnector connector;

    private JettyServer(Server server, ServerConnector connector) {
        this.server = server;
        this.connector = connector;
    }

    /** TLS only. */
    static JettyServer tls(SSLContext sslContext, Filter filter) {
        return start(sslContext, false, false, filter);
    }

    /** TLS or plain text on one port, told apart by Jetty's {@link DetectorConnectionFactory}. */
    static JettyServer detecting(SSLContext sslContext, Filter filter) {
        return start(sslContext, true, false, filter);
    }

    /**
     * As {@link #detecting}, and each TLS request carries its {@code SSLSession} in
     * {@link MeshAuthorizationFilter#SSL_SESSION} (so the filter sees the SNI), set as the filter's Javadoc shows.
     */
    static JettyServer detectingWithSslSession(SSLContext sslContext, Filter filter) {
        return start(sslContext, true, true, filter);
    }

    /** Plain text only. */
    static JettyServer plain(Filter filter) {
        return start(null, false, false, filter);
    }

    int port() {
        return connector.getLocalPort();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    private static JettyServer start(SSLContext sslContext, boolean detect, boolean sslSession, Filter filter) {
        Server server = new Server();
        HttpConfiguration config = new HttpConfiguration();
        HttpConnectionFactory http = new HttpConnectionFactory(config);
        ServerConnector connector;
        if (sslContext == null) {
            connector = new ServerConnector(server, http);
        } else {
            // The request's jakarta.servlet.request.X509Certificate attribute comes from here; the SNI host check
            // is about Jetty's own key store, which a given SSLContext replaces.
            SecureRequestCustomizer secure = new SecureRequestCustomizer();
            secure.setSniHostCheck(false);
            config.addCustomizer(secure);
            if (sslSession) {
                config.addCustomizer((request, responseHeaders) -> {
                    Object tls = request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE);
                    if (tls instanceof EndPoint.SslSessionData data) {
                        request.setAttribute(MeshAuthorizationFilter.SSL_SESSION, data.sslSession());
                    }
                    return request;
                });
            }
            SslContextFactory.Server factory = new SslContextFactory.Server();
            factory.setSslContext(sslContext);
            SslConnectionFactory tls = new SslConnectionFactory(factory, http.getProtocol());
            connector = detect
                    ? new ServerConnector(server, new DetectorConnectionFactory(tls), http)
                    : new ServerConnector(server, tls, http);
        }
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);

        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(new ServletHolder(new Echo()), "/*");
        context.addFilter(new FilterHolder(filter), "/*", EnumSet.of(DispatcherType.REQUEST));
        server.setHandler(context);
        try {
            server.start();
        } catch (Exception e) {
            throw new IllegalStateException("Jetty did not start", e);
        }
        return new JettyServer(server, connector);
    }

    /** Answers every method with what it saw (Tomcat's tests serve it too). */
    static final class Echo extends HttpServlet {
        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            Object peer = request.getAttribute(MeshAuthorizationFilter.PEER_IDENTITY);
            response.setContentType("text/plain");
            response.getWriter().print(request.getMethod() + " " + request.getRequestURI() + " peer="
                    + (peer == null ? "-" : peer));
        }
    }
}
