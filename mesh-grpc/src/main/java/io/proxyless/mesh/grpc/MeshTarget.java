package io.proxyless.mesh.grpc;

import java.util.Locale;
import java.util.Objects;

/**
 * The logical service a mesh channel talks to, as the client named it: {@code reviews:9080},
 * {@code reviews.default.svc.cluster.local:9080}, or the same behind {@code mesh:///}.
 *
 * @param host      lower-case host without port (short names are qualified by the engine)
 * @param port      the port; 80 when the target names none (plain-text HTTP/2's default, as for a sidecar)
 * @param authority the authority calls carry by default ({@code host:port} as written)
 */
record MeshTarget(String host, int port, String authority) {
    static final int DEFAULT_PORT = 80;

    MeshTarget {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(authority, "authority");
    }

    /** Parses {@code host[:port]}, {@code [v6]:port} or {@code mesh:///host[:port]}. */
    static MeshTarget parse(String target) {
        Objects.requireNonNull(target, "target");
        String t = target.trim();
        if (t.regionMatches(true, 0, MeshGrpc.SCHEME + ":", 0, MeshGrpc.SCHEME.length() + 1)) {
            t = t.substring(MeshGrpc.SCHEME.length() + 1);
            while (t.startsWith("/")) {
                t = t.substring(1);
            }
        }
        if (t.isEmpty() || t.contains("/")) {
            throw new IllegalArgumentException("not a mesh target (expected host[:port]): " + target);
        }
        String host;
        int port = DEFAULT_PORT;
        boolean portGiven = false;
        if (t.startsWith("[")) {
            int close = t.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("unterminated IPv6 literal in mesh target: " + target);
            }
            host = t.substring(1, close);
            String rest = t.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new IllegalArgumentException("not a mesh target (expected [v6]:port): " + target);
                }
                port = parsePort(rest.substring(1), target);
                portGiven = true;
            }
        } else {
            int colon = t.lastIndexOf(':');
            if (colon >= 0 && t.indexOf(':') == colon) {
                host = t.substring(0, colon);
                port = parsePort(t.substring(colon + 1), target);
                portGiven = true;
            } else {
                host = t;
            }
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("mesh target has no host: " + target);
        }
        host = host.toLowerCase(Locale.ROOT);
        String hostPart = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return new MeshTarget(host, port, portGiven ? hostPart + ":" + port : hostPart);
    }

    private static int parsePort(String s, String target) {
        try {
            int port = Integer.parseInt(s);
            if (port < 1 || port > 65535) {
                throw new NumberFormatException();
            }
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in mesh target: " + target);
        }
    }

    @Override
    public String toString() {
        return authority;
    }
}
