package io.proxyless.mesh.servlet;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.security.AuditLog;
import io.proxyless.mesh.runtime.security.AuthorizationDecision;
import io.proxyless.mesh.runtime.security.InboundPolicy;
import io.proxyless.mesh.runtime.security.InboundRequest;
import io.proxyless.mesh.runtime.security.MtlsMode;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A servlet {@link Filter} that does for an application's own HTTP server what a sidecar's inbound listener does:
 * it enforces the port's PeerAuthentication mode and the AuthorizationPolicies that select this workload, and tells
 * the application who is calling.
 *
 * <pre>{@code
 * ServletContextHandler context = new ServletContextHandler();                     // Jetty 12 ee10
 * context.addFilter(new FilterHolder(MeshAuthorizationFilter.create(mesh)), "/*", EnumSet.of(DispatcherType.REQUEST));
 *
 * // in a servlet or controller
 * String caller = (String) request.getAttribute(MeshAuthorizationFilter.PEER_IDENTITY);
 * // "spiffe://cluster.local/ns/default/sa/sleep", or null for plain text
 * }</pre>
 *
 * <p>Per request, on the inbound policy in force ({@code Mesh.inbound()}, one volatile read, so a config change
 * applies to the next request and an invalid edit leaves the last good policy in force):
 * <ol>
 *   <li>The caller's identity is the SPIFFE URI SAN of the client certificate the container verified in the TLS
 *       handshake (the Servlet API's {@code jakarta.servlet.request.X509Certificate}); with
 *       {@link MeshServerTls#sslContext} that means a certificate from the mesh's root. Plain text has none.</li>
 *   <li>A request without a client certificate on a STRICT port is refused, as a sidecar refuses the connection.</li>
 *   <li>AuthorizationPolicy is evaluated as Envoy's RBAC filter would (DENY first, then ALLOW; no ALLOW policy means
 *       allow): a denied request gets {@code 403} with the body {@code RBAC: access denied}, Envoy's answer.</li>
 *   <li>An allowed request reaches the application with {@link #PEER_IDENTITY} set (absent for plain text).</li>
 * </ol>
 *
 * <p>With config from xDS, the policy of a port is the inbound listener the control plane sends for it, asked for
 * at the port's first request (call {@code mesh.serveInbound(port)} when the container starts to ask earlier);
 * requests are refused until it has arrived.
 *
 * <p>What the policy sees: the server's port ({@code getLocalPort()}), the client's address, the method, the path
 * normalized as Istio's default (RFC 3986; the query is not part of it), the {@code Host} header, every
 * header by its lower-case name, and the TLS server name when the container hands over the connection's
 * {@link #SSL_SESSION} (else a TLS request's SNI is unknown and {@code connection.sni} conditions fail closed).
 */
public final class MeshAuthorizationFilter implements Filter {
    /** The request attribute holding the caller's verified SPIFFE id, a {@code String}. */
    public static final String PEER_IDENTITY = "io.proxyless.mesh.peerIdentity";

    /**
     * The request attribute through which a container integration may hand the filter the connection's
     * {@link javax.net.ssl.SSLSession}: the filter reads the TLS server name (SNI) the client sent from it. The
     * Servlet API has no SNI of its own; without this attribute a TLS request's SNI is unknown, and an
     * AuthorizationPolicy condition on {@code connection.sni} fails closed (an ALLOW rule does not match, a DENY
     * rule does). In Jetty 12, a customizer after the {@code SecureRequestCustomizer} sets it:
     *
     * <pre>{@code
     * httpConfig.addCustomizer(new SecureRequestCustomizer());
     * httpConfig.addCustomizer((request, responseHeaders) -> {
     *     if (request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE) instanceof EndPoint.SslSessionData tls) {
     *         request.setAttribute(MeshAuthorizationFilter.SSL_SESSION, tls.sslSession());
     *     }
     *     return request;
     * });
     * }</pre>
     */
    public static final String SSL_SESSION = "io.proxyless.mesh.sslSession";

    private static final String CERTIFICATES = "jakarta.servlet.request.X509Certificate";
    private static final Logger log = LoggerFactory.getLogger(MeshAuthorizationFilter.class);

    private final Mesh mesh;

    private MeshAuthorizationFilter(Mesh mesh) {
        this.mesh = Objects.requireNonNull(mesh, "mesh");
    }

    /** A filter enforcing {@code mesh}'s inbound policy on every request it sees. */
    public static Filter create(Mesh mesh) {
        return new MeshAuthorizationFilter(mesh);
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        if (!(req instanceof HttpServletRequest request) || !(res instanceof HttpServletResponse response)) {
            // nothing to evaluate a policy on: refuse rather than let it through unchecked
            throw new ServletException("MeshAuthorizationFilter serves HTTP requests only");
        }
        int port = request.getLocalPort();
        // The container's ports are learned from its requests: a mesh configured from xDS then asks for the port's
        // inbound listener (and refuses until it has arrived). Telling it again is a cheap no-op.
        if (port > 0) {
            mesh.serveInbound(port);
        }
        InboundPolicy policy = mesh.inbound();
        X509Certificate[] certificates = certificates(request);
        String principal = certificates == null ? null : PeerIdentity.of(certificates[0]);

        if (certificates == null && policy.mtlsMode(port) == MtlsMode.STRICT) {
            // A sidecar refuses the connection itself; a filter can only answer, and closes it after.
            log.debug("refused plain text from {} on STRICT port {}", request.getRemoteAddr(), port);
            response.setHeader("Connection", "close");
            refuse(response, HttpServletResponse.SC_FORBIDDEN, "mTLS required: port " + port + " is STRICT");
            return;
        }
        String path = RequestPaths.normalize(request.getRequestURI());
        if (path == null) {
            // a path Istio's normalization rejects (an escape that is not one): Envoy answers 400
            refuse(response, HttpServletResponse.SC_BAD_REQUEST, "Bad Request");
            return;
        }
        InboundRequest.Builder inbound = InboundRequest.builder()
                .port(port)
                .principal(principal)
                .sourceIp(request.getRemoteAddr())
                .method(request.getMethod())
                .path(request.getQueryString() == null ? path : path + "?" + request.getQueryString())
                .host(host(request))
                .headers(headers(request));
        serverName(request, inbound);
        AuthorizationDecision decision;
        try {
            InboundRequest built = inbound.build();
            decision = policy.authorize(built);
            AuditLog.record(policy, built, decision);
        } catch (RuntimeException e) {
            // an evaluation that breaks is a bug, and must not become an open door
            log.warn("authorization of {} {} failed; denied", request.getMethod(), path, e);
            refuse(response, HttpServletResponse.SC_FORBIDDEN, AuthorizationDecision.DENIED_MESSAGE);
            return;
        }
        if (!decision.allowed()) {
            log.debug("denied {} {} from {}: {}", request.getMethod(), path, principal, decision.reason());
            refuse(response, HttpServletResponse.SC_FORBIDDEN, AuthorizationDecision.DENIED_MESSAGE);
            return;
        }
        if (principal != null) {
            request.setAttribute(PEER_IDENTITY, principal);
        } else {
            request.removeAttribute(PEER_IDENTITY);
        }
        chain.doFilter(request, response);
    }

    private static X509Certificate[] certificates(HttpServletRequest request) {
        if (!request.isSecure()) {
            return null;
        }
        Object value = request.getAttribute(CERTIFICATES);
        return value instanceof X509Certificate[] chain && chain.length > 0 ? chain : null;
    }

    /**
     * The TLS server name the client sent: none on plain text; from the {@link #SSL_SESSION} the container handed
     * over; otherwise unknown, so that a {@code connection.sni} condition fails closed.
     */
    private static void serverName(HttpServletRequest request, InboundRequest.Builder inbound) {
        if (!request.isSecure()) {
            inbound.sni(null);
            return;
        }
        if (request.getAttribute(SSL_SESSION) instanceof ExtendedSSLSession session) {
            try {
                inbound.sni(hostName(session.getRequestedServerNames()));
                return;
            } catch (UnsupportedOperationException e) {
                // a provider that does not keep the names: unknown, as without the session
            }
        }
        inbound.sniUnknown();
    }

    private static String hostName(List<SNIServerName> names) {
        for (SNIServerName name : names) {
            if (name instanceof SNIHostName host) {
                return host.getAsciiName();
            }
        }
        return null;
    }

    /** Envoy's {@code :authority}: the Host header, or what the container made of the request line. */
    private static String host(HttpServletRequest request) {
        String host = request.getHeader("Host");
        return host != null ? host : request.getServerName();
    }

    private static Map<String, List<String>> headers(HttpServletRequest request) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String name : Collections.list(request.getHeaderNames())) {
            List<String> values = headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), n -> new ArrayList<>());
            values.addAll(Collections.list(request.getHeaders(name)));
        }
        return headers;
    }

    private static void refuse(HttpServletResponse response, int status, String body) throws IOException {
        response.resetBuffer();
        response.setStatus(status);
        response.setContentType("text/plain");
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
        response.flushBuffer();
    }
}
