package io.proxyless.mesh.runtime;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One outbound request as the engine sees it, independent of the transport.
 *
 * <pre>{@code
 * RouteRequest request = RouteRequest.builder("GET", "http://reviews:9080/reviews/1")
 *         .header("end-user", "jason")
 *         .build();
 * }</pre>
 *
 * @param scheme    {@code http}, {@code https} or {@code grpc}-style scheme as the client called it
 * @param method    HTTP method ({@code POST} for gRPC)
 * @param host      the logical host the client called, lower case, without port ({@code reviews})
 * @param port      the port the client called (the scheme's default when none was given)
 * @param authority the authority as sent ({@code reviews:9080}), matched by {@code authority} matches
 * @param path      the path without query ({@code /reviews/1}; {@code /pkg.Service/Method} for gRPC)
 * @param query     the raw query string without {@code ?}, or null
 * @param headers   request headers / gRPC metadata
 * @param sourceIp  the client's own IP address, for {@code useSourceIp} hashing; may be null
 */
public record RouteRequest(String scheme, String method, String host, int port, String authority, String path,
                           String query, RequestHeaders headers, String sourceIp) {
    public RouteRequest {
        Objects.requireNonNull(host, "host");
        scheme = scheme == null ? "http" : scheme;
        method = method == null ? "GET" : method;
        path = path == null || path.isEmpty() ? "/" : path;
        headers = headers == null ? RequestHeaders.NONE : headers;
        authority = authority == null ? host + ":" + port : authority;
    }

    /** Starts a request for {@code url} (http or https; {@code reviews:9080/x} style without scheme works too). */
    public static Builder builder(String method, String url) {
        return new Builder(method, url);
    }

    /** Convenience builder for tests, the CLI and simple adapters. */
    public static final class Builder {
        private final String method;
        private final URI uri;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private String sourceIp;

        private Builder(String method, String url) {
            this.method = method.toUpperCase(Locale.ROOT);
            this.uri = URI.create(url.contains("://") ? url : "http://" + url);
            if (uri.getHost() == null) {
                throw new IllegalArgumentException("not a URL with a host: " + url);
            }
        }

        public Builder header(String name, String value) {
            headers.merge(name.toLowerCase(Locale.ROOT), value, (a, b) -> a + "," + b);
            return this;
        }

        public Builder sourceIp(String ip) {
            this.sourceIp = ip;
            return this;
        }

        public RouteRequest build() {
            String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
            int port = uri.getPort() > 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
            String host = uri.getHost().toLowerCase(Locale.ROOT);
            String authority = uri.getPort() > 0 ? host + ":" + port : host;
            String hostHeader = headers.get("host");
            return new RouteRequest(scheme, method, host, port, hostHeader != null ? hostHeader : authority,
                    uri.getRawPath(), uri.getRawQuery(), RequestHeaders.of(headers), sourceIp);
        }
    }
}
