package io.proxyless.mesh.jdkhttp;

import io.proxyless.mesh.runtime.call.Attempt;
import io.proxyless.mesh.runtime.registry.Endpoint;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The request every attempt and mirror copy of a call starts from — rewrites and request header operations
 * applied — and how it becomes one {@link HttpRequest} to one endpoint.
 *
 * <p>The JDK client connects to the URI's host and cannot be given an address per request, so the attempt's URI
 * names the endpoint ({@code http://10.0.0.7:9080/path}); the logical authority ({@code reviews:9080}) goes in
 * the {@code Host} header when the JVM allows setting it ({@code jdk.httpclient.allowRestrictedHeaders=host}),
 * else the upstream sees the endpoint's address. Attempts are HTTP/1.1, as a sidecar speaks to an {@code http}
 * port and so that {@code Host} is what the upstream reads, unless the application asked for a version on the
 * request itself.
 *
 * @param method      the request method
 * @param pathAndQuery raw path and query, after rewrites
 * @param headers     request headers after the route's operations, without {@code Host}
 * @param authority   the authority the upstream is to see
 * @param body        the request body when it can be replayed, else null
 * @param streamed    the application's publisher, sent once (no retries, no mirrors), or null
 * @param version     the version the application asked for on the request, or null
 * @param expectContinue the application's {@code Expect: 100-continue}
 * @param sendHost    the JVM allows setting {@code Host}
 */
record RequestTemplate(String method, String pathAndQuery, Map<String, List<String>> headers, String authority,
                       byte[] body, BodyPublisher streamed, HttpClient.Version version, boolean expectContinue,
                       boolean sendHost) {

    /** True when the body can be sent only once. */
    boolean oneShot() {
        return streamed != null;
    }

    /** The host part of {@link #authority()}, as the engines and SNI of TLS attempts see it. */
    String host() {
        return JdkRequests.hostOf(authority);
    }

    /**
     * The request to {@code endpoint} ({@code https} when {@code secure}) carrying {@code authority};
     * {@code timeout} is the JDK's own timeout, or null.
     */
    HttpRequest to(Endpoint endpoint, boolean secure, String authority, Duration timeout) {
        return to(endpoint, secure, authority, timeout, null);
    }

    /** The request of {@code attempt}: {@link #to} with the headers the mesh adds to the attempt. */
    HttpRequest to(Attempt attempt, boolean secure, String authority) {
        return to(attempt.endpoint(), secure, authority, null, attempt);
    }

    private HttpRequest to(Endpoint endpoint, boolean secure, String authority, Duration timeout, Attempt attempt) {
        String path = pathAndQuery.startsWith("/") ? pathAndQuery : "/" + pathAndQuery;
        URI uri = URI.create((secure ? "https://" : "http://") + endpoint.authority() + path);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .method(method, publisher())
                .expectContinue(expectContinue)
                .version(version != null ? version : HttpClient.Version.HTTP_1_1);
        headers(attempt).forEach((name, values) -> {
            for (String value : values) {
                try {
                    b.header(name, value);
                } catch (IllegalArgumentException e) {
                    // A header the JDK manages itself (Connection, Content-Length, Upgrade…): it sends its own.
                }
            }
        });
        if (sendHost) {
            b.header("Host", authority);
        }
        if (timeout != null) {
            b.timeout(timeout);
        }
        return b.build();
    }

    /** The headers, with what the mesh adds to {@code attempt} (none for a mirror copy). */
    private Map<String, List<String>> headers(Attempt attempt) {
        if (attempt == null || !attempt.addsRequestHeaders()) {
            return headers;
        }
        TreeMap<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, values) -> copy.put(name, new ArrayList<>(values)));
        attempt.requestHeaders(JdkRequests.sink(copy));
        return copy;
    }

    BodyPublisher publisher() {
        if (streamed != null) {
            return streamed;
        }
        return body == null ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(body);
    }
}
