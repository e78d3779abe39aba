package io.proxyless.mesh.okhttp;

import io.proxyless.mesh.runtime.RequestHeaders;
import io.proxyless.mesh.runtime.RouteRequest;
import io.proxyless.mesh.runtime.call.HeaderSink;
import java.util.List;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;

/** Translations between OkHttp's request/response types and the engine's. */
final class OkHttpRequests {
    private OkHttpRequests() {
    }

    /** The engine's view of {@code request}: the URL's parts, the Host header as authority, headers unchanged. */
    static RouteRequest routeRequest(Request request) {
        return routeRequest(request, request.header("Host"));
    }

    /** {@link #routeRequest(Request)} with the request's {@code Host} header already read (null: none). */
    static RouteRequest routeRequest(Request request, String hostHeader) {
        HttpUrl url = request.url();
        String authority = hostHeader != null ? hostHeader : hostHeader(url);
        return new RouteRequest(url.scheme(), request.method(), url.host(), url.port(), authority,
                url.encodedPath(), url.encodedQuery(), headers(request.headers()), null);
    }

    /** What OkHttp would send as {@code Host}: the host, and the port unless it is the scheme's default. */
    static String hostHeader(HttpUrl url) {
        String host = url.host().indexOf(':') >= 0 ? "[" + url.host() + "]" : url.host();
        return url.port() == HttpUrl.defaultPort(url.scheme()) ? host : host + ":" + url.port();
    }

    /** Header lookup without copying; several values are joined with {@code ,} as Envoy does before matching. */
    static RequestHeaders headers(Headers headers) {
        if (headers.size() == 0) {
            return RequestHeaders.NONE;
        }
        return name -> {
            List<String> values = headers.values(name);
            if (values.isEmpty()) {
                return null;
            }
            return values.size() == 1 ? values.get(0) : String.join(",", values);
        };
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

    static HeaderSink sink(Request.Builder b) {
        return HeaderSink.of(b::header, b::addHeader, b::removeHeader);
    }

    static HeaderSink sink(Response.Builder b) {
        return HeaderSink.of(b::header, b::addHeader, b::removeHeader);
    }
}
