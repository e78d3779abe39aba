package io.proxyless.mesh.jdkhttp;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import javax.net.ssl.SSLSession;

/**
 * The response the application gets: the upstream's, seen through the mesh — the application's own request and
 * URI (not the endpoint address the attempt went to) and the response headers after the route's header
 * operations.
 */
record MeshResponse<T>(HttpResponse<T> upstream, HttpRequest request, HttpHeaders headers)
        implements HttpResponse<T> {

    @Override
    public int statusCode() {
        return upstream.statusCode();
    }

    @Override
    public Optional<HttpResponse<T>> previousResponse() {
        return upstream.previousResponse();
    }

    @Override
    public T body() {
        return upstream.body();
    }

    @Override
    public Optional<SSLSession> sslSession() {
        return upstream.sslSession();
    }

    /** The application's URI; after a redirect the client followed by itself, the URI it followed to. */
    @Override
    public URI uri() {
        return upstream.previousResponse().isPresent() ? upstream.uri() : request.uri();
    }

    @Override
    public HttpClient.Version version() {
        return upstream.version();
    }

    /** Status, headers and version, for a {@code BodyHandler}. */
    record Info(int statusCode, HttpHeaders headers, HttpClient.Version version) implements ResponseInfo {
    }
}
