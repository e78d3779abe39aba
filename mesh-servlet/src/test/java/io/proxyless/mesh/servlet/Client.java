package io.proxyless.mesh.servlet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;

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

    /** mTLS sending {@code serverName} as SNI (the JDK client sends none to an IP address by itself). */
    static Client tls(SSLContext context, String serverName) {
        SSLParameters parameters = context.getDefaultSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName(serverName)));
        return new Client(builder().sslContext(context).sslParameters(parameters).build(), "https");
    }

    private static HttpClient.Builder builder() {
        // HTTP/1.1: the JDK client would otherwise try an h2c upgrade on plain text
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10));
    }

    /** Status and body; an exception when the connection fails (a refused handshake, a reset). */
    Reply send(String method, int port, String path, String... headers) throws IOException {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + port + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            builder.headers(headers);
        }
        HttpRequest request = builder.build();
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

    /** The serial number of the certificate the server presents to a new connection. */
    static BigInteger serverCertificate(SSLContext context, int port) {
        HttpClient http = builder().sslContext(context).build();
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(
                    URI.create("https://127.0.0.1:" + port + "/")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.discarding());
            SSLSession session = response.sslSession().orElseThrow();
            return ((X509Certificate) session.getPeerCertificates()[0]).getSerialNumber();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    record Reply(int status, String body) {
    }
}
