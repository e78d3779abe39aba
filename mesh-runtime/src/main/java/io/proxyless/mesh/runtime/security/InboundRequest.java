package io.proxyless.mesh.runtime.security;

import com.google.common.net.InetAddresses;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One inbound request as an AuthorizationPolicy sees it: the port it arrived on, the caller's verified identity
 * (from its mTLS certificate; null for plain text), the peer address, and the HTTP request (for gRPC: method
 * {@code POST}, path {@code /package.Service/Method}). Built once per request by the server adapter.
 *
 * <pre>{@code
 * InboundRequest request = InboundRequest.builder()
 *         .port(9080).principal("spiffe://cluster.local/ns/default/sa/sleep").sourceIp("10.0.0.7")
 *         .method("GET").path("/reviews/1").host("reviews:9080").build();
 * }</pre>
 *
 * <p>The source namespace is not given: as in Istio, it is the {@code /ns/NAMESPACE/} segment of the principal,
 * so a plain-text caller has none.
 */
public final class InboundRequest {
    private final int port;
    private final String principal;
    private final String sourceIp;
    private final InetAddress sourceAddress;
    private final String method;
    private final String path;
    private final String urlPath;
    private final String host;
    private final Map<String, String> headers;
    private final String sni;
    private final boolean sniKnown;

    private InboundRequest(Builder b) {
        this.port = b.port;
        this.principal = b.principal == null || b.principal.isEmpty() ? null : b.principal;
        this.sourceIp = b.sourceIp;
        this.sourceAddress = parse(b.sourceIp);
        this.method = b.method;
        this.path = b.path;
        this.urlPath = urlPath(b.path);
        this.host = b.host;
        this.sniKnown = b.sniKnown;
        this.sni = !b.sniKnown || b.sni == null || b.sni.isEmpty() ? null : b.sni;
        // Envoy matches a header that appears several times against its values joined by commas.
        Map<String, String> joined = new HashMap<>();
        b.headers.forEach((name, values) -> {
            if (name != null && values != null && !values.isEmpty()) {
                joined.merge(name.toLowerCase(Locale.ROOT), String.join(",", values), (a, c) -> a + "," + c);
            }
        });
        this.headers = Map.copyOf(joined);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The server port the request arrived on (Istio's {@code destination.port}). */
    public int port() {
        return port;
    }

    /** The caller's verified SPIFFE id, e.g. {@code spiffe://cluster.local/ns/default/sa/sleep}, or null. */
    public String principal() {
        return principal;
    }

    /** The peer's address as given, or null. */
    public String sourceIp() {
        return sourceIp;
    }

    /** The peer's address, parsed (no name lookup), or null when absent or not an IP address. */
    public InetAddress sourceAddress() {
        return sourceAddress;
    }

    public String method() {
        return method;
    }

    /** The request target as received, query included. */
    public String path() {
        return path;
    }

    /** The path without query and fragment: what Istio's {@code paths} match (Envoy's {@code url_path}). */
    public String urlPath() {
        return urlPath;
    }

    /** The {@code :authority} (Host header), as received: with a port if the client wrote one. */
    public String host() {
        return host;
    }

    /** The TLS server name the client asked for, or null: none sent, or {@link #sniKnown() unknown}. */
    public String sni() {
        return sni;
    }

    /**
     * False when the server can't tell whether or which server name the client sent (a servlet container that
     * doesn't expose it): a {@code connection.sni} condition then fails closed — an ALLOW rule doesn't match, a
     * DENY rule does. True for plain text (no SNI) and whenever {@link Builder#sni} was given.
     */
    public boolean sniKnown() {
        return sniKnown;
    }

    /**
     * The value of header {@code name} (any case), several values joined by commas as Envoy joins them, or null.
     * The pseudo-headers {@code :method}, {@code :authority} and {@code :path} are the request's own.
     */
    public String header(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return switch (n) {
            case ":method" -> method;
            case ":authority", "host" -> host != null ? host : headers.get("host");
            case ":path" -> path;
            default -> headers.get(n);
        };
    }

    private static InetAddress parse(String ip) {
        if (ip == null || ip.isEmpty()) {
            return null;
        }
        String bare = ip.startsWith("[") && ip.endsWith("]") ? ip.substring(1, ip.length() - 1) : ip;
        return InetAddresses.isInetAddress(bare) ? InetAddresses.forString(bare) : null;
    }

    private static String urlPath(String path) {
        if (path == null) {
            return null;
        }
        int end = path.length();
        int q = path.indexOf('?');
        if (q >= 0) {
            end = q;
        }
        int f = path.indexOf('#');
        if (f >= 0 && f < end) {
            end = f;
        }
        return path.substring(0, end);
    }

    @Override
    public String toString() {
        return method + " " + host + path + " on port " + port + " from "
                + (principal == null ? "plain text" : principal) + (sourceIp == null ? "" : " at " + sourceIp)
                + (sni != null ? " (SNI " + sni + ")" : sniKnown ? "" : " (SNI unknown)");
    }

    /** Builds an {@link InboundRequest}. */
    public static final class Builder {
        private int port;
        private String principal;
        private String sourceIp;
        private String method = "GET";
        private String path = "/";
        private String host;
        private Map<String, List<String>> headers = Map.of();
        private String sni;
        private boolean sniKnown = true;

        private Builder() {
        }

        /** The server port the request arrived on. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** The caller's verified SPIFFE id ({@code spiffe://…}), or null for plain text. */
        public Builder principal(String principal) {
            this.principal = principal;
            return this;
        }

        /** The peer's IP address. */
        public Builder sourceIp(String sourceIp) {
            this.sourceIp = sourceIp;
            return this;
        }

        public Builder method(String method) {
            this.method = Objects.requireNonNull(method);
            return this;
        }

        /** The request target, e.g. {@code /reviews/1?x=y} or {@code /package.Service/Method}. */
        public Builder path(String path) {
            this.path = Objects.requireNonNull(path);
            return this;
        }

        /** The {@code :authority} / Host header as received. */
        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** The request headers, by name (any case). */
        public Builder headers(Map<String, List<String>> headers) {
            this.headers = Objects.requireNonNull(headers);
            return this;
        }

        /** The TLS server name indication, or null when the client sent none. */
        public Builder sni(String sni) {
            this.sni = sni;
            this.sniKnown = true;
            return this;
        }

        /**
         * The connection is TLS but the server can't see the server name the client sent: a condition on
         * {@code connection.sni} fails closed (see {@link InboundRequest#sniKnown()}).
         */
        public Builder sniUnknown() {
            this.sni = null;
            this.sniKnown = false;
            return this;
        }

        public InboundRequest build() {
            return new InboundRequest(this);
        }
    }
}
