package io.proxyless.mesh.jdkhttp;

import io.proxyless.mesh.runtime.RequestHeaders;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.call.Attempt;
import io.proxyless.mesh.runtime.call.HeaderSink;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Translations between the JDK client's request/response types and the engine's. */
final class JdkRequests {
    private JdkRequests() {
    }

    /** The engine's view of {@code request}: the URI's parts, its authority, headers unchanged. */
    static RouteRequest routeRequest(HttpRequest request) {
        URI uri = request.uri();
        String scheme = uri.getScheme() == null ? "http" : uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost();
        int port = uri.getPort() >= 0 ? uri.getPort() : defaultPort(scheme);
        String authority = request.headers().firstValue("Host").orElseGet(() -> hostHeader(scheme, host, port));
        return new RouteRequest(scheme, request.method(), host.startsWith("[") ? host.substring(1, host.length() - 1)
                : host, port, authority, uri.getRawPath(), uri.getRawQuery(), headers(request.headers()), null);
    }

    static int defaultPort(String scheme) {
        return "https".equals(scheme) ? 443 : 80;
    }

    /** What the JDK would send as {@code Host}: the host, and the port unless it is the scheme's default. */
    static String hostHeader(String scheme, String host, int port) {
        return port == defaultPort(scheme) ? host : host + ":" + port;
    }

    /** Header lookup without copying; several values are joined with {@code ,} as Envoy does before matching. */
    static RequestHeaders headers(HttpHeaders headers) {
        if (headers.map().isEmpty()) {
            return RequestHeaders.NONE;
        }
        return name -> {
            List<String> values = headers.allValues(name);
            if (values.isEmpty()) {
                return null;
            }
            return values.size() == 1 ? values.get(0) : String.join(",", values);
        };
    }

    /** A mutable, case-insensitive copy of {@code headers}, for header operations. */
    static TreeMap<String, List<String>> mutable(HttpHeaders headers) {
        TreeMap<String, List<String>> map = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.map().forEach((k, v) -> map.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v));
        return map;
    }

    static HeaderSink sink(Map<String, List<String>> map) {
        return HeaderSink.of(
                (name, value) -> map.put(name, new ArrayList<>(List.of(value))),
                (name, value) -> map.computeIfAbsent(name, x -> new ArrayList<>()).add(value),
                map::remove);
    }

    /** {@code request} with the headers the mesh adds to {@code attempt} (set, replacing the request's). */
    static HttpRequest withAttemptHeaders(HttpRequest request, Attempt attempt) {
        TreeMap<String, List<String>> added = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        attempt.requestHeaders(sink(added));
        HttpRequest.Builder b = HttpRequest.newBuilder(request, (name, value) -> !added.containsKey(name));
        added.forEach((name, values) -> values.forEach(value -> b.header(name, value)));
        return b.build();
    }

    static HttpHeaders headers(Map<String, List<String>> map) {
        return HttpHeaders.of(map, (name, value) -> true);
    }

    /** The host part of an authority ({@code reviews:9080} → {@code reviews}, {@code [::1]:80} → {@code ::1}). */
    static String hostOf(String authority) {
        if (authority.startsWith("[")) {
            int end = authority.indexOf(']');
            return end > 0 ? authority.substring(1, end) : authority;
        }
        int colon = authority.lastIndexOf(':');
        return colon >= 0 && authority.indexOf(':') == colon ? authority.substring(0, colon) : authority;
    }
}
