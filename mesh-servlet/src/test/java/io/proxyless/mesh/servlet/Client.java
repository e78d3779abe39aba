package io.proxyless.mesh.servlet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import javax.net.ssl.SSLContext;

/** The JDK's HTTP client as a caller: with a client certificate (mTLS) or in plain text. */
final class Client {
    private final HttpClient http;
    private final String scheme;

    private Client(HttpClient http, String scheme) {
        this.http = http;
        this.scheme = scheme;
    }

    static Client plainText() {
        return new Client(builder().build(), "http");
    }

    static Client tls(SSLContext context) {
        return new Client(builder().sslContext(context).build(), "https");
    }

    private static HttpClient.Builder builder() {
        // HTTP/1.1: the JDK client would otherwise try an h2c upgrade on plain text
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10));
    }

    /** Status and body; an exception when the connection fails (a refused handshake, a reset). */
    Reply send(String method, int port, String path) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + port + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    Reply get(int port, String path) {
        try {
            return send("GET", port, path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    record Reply(int status, String body) {
    }
}
