package io.proxyless.mesh.jdkhttp;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.testing.HttpUpstream;
import io.proxyless.mesh.runtime.testing.MeshYaml;
import io.proxyless.mesh.runtime.time.MeshClock;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/** Upstreams, a mesh over YAML in a temp dir and a wrapped JDK client; closes everything it made. */
final class Harness implements AutoCloseable {
    private final List<AutoCloseable> closeables = new ArrayList<>();
    Mesh mesh;
    MeshHttpClient client;

    HttpUpstream upstream(String name) {
        return add(HttpUpstream.start(name));
    }

    HttpUpstream upstream(String name, Function<HttpUpstream.Received, HttpUpstream.Reply> respond) {
        return add(HttpUpstream.start(name, respond));
    }

    HttpUpstream add(HttpUpstream u) {
        closeables.add(u);
        return u;
    }

    Harness start(Path dir, String... documents) {
        return start(dir, b -> b, documents);
    }

    Harness start(Path dir, UnaryOperator<MeshHttpClient.Builder> options, String... documents) {
        return start(MeshYaml.mesh(dir, documents), options);
    }

    /** Starts on a mesh whose time is {@code clock} (a test's fake clock). */
    Harness start(Path dir, MeshClock clock, String... documents) {
        return start(MeshYaml.mesh(dir, clock, documents), b -> b);
    }

    Harness start(Mesh mesh, UnaryOperator<MeshHttpClient.Builder> options) {
        this.mesh = mesh;
        client = options.apply(MeshHttpClient.builder(HttpClient.newHttpClient(), mesh)).build();
        return this;
    }

    static HttpRequest request(String url, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b.build();
    }

    HttpResponse<String> call(String url, String... headers) throws IOException, InterruptedException {
        return client.send(request(url, headers), HttpResponse.BodyHandlers.ofString());
    }

    /** GET {@code url}; the status and body as {@code "200 v1"}. */
    String get(String url, String... headers) throws IOException, InterruptedException {
        HttpResponse<String> r = call(url, headers);
        return r.statusCode() + " " + r.body();
    }

    @Override
    public void close() {
        if (mesh != null) {
            mesh.close();
        }
        List<AutoCloseable> reversed = new ArrayList<>(closeables);
        Collections.reverse(reversed);
        for (AutoCloseable c : reversed) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort
            }
        }
    }
}
