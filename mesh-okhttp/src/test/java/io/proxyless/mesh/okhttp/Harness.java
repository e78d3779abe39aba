package io.proxyless.mesh.okhttp;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.testing.Await;
import io.proxyless.mesh.runtime.testing.HttpUpstream;
import io.proxyless.mesh.runtime.testing.MeshYaml;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/** Upstreams, a mesh over YAML in a temp dir, an interceptor and a client; closes everything it made. */
final class Harness implements AutoCloseable {
    private final List<AutoCloseable> closeables = new ArrayList<>();
    Mesh mesh;
    MeshInterceptor interceptor;
    OkHttpClient client;

    HttpUpstream upstream(String name) {
        HttpUpstream u = HttpUpstream.start(name);
        closeables.add(u);
        return u;
    }

    HttpUpstream upstream(String name, Function<HttpUpstream.Received, HttpUpstream.Reply> respond) {
        HttpUpstream u = HttpUpstream.start(name, respond);
        closeables.add(u);
        return u;
    }

    HttpUpstream add(HttpUpstream u) {
        closeables.add(u);
        return u;
    }

    Harness start(Path dir, String... documents) {
        return start(dir, b -> b, documents);
    }

    Harness start(Path dir, UnaryOperator<MeshInterceptor.Builder> options, String... documents) {
        mesh = MeshYaml.mesh(dir, documents);
        return start(mesh, options);
    }

    /** Starts on a mesh whose time is {@code clock} (a test's fake clock). */
    Harness start(Path dir, io.proxyless.mesh.runtime.time.MeshClock clock, String... documents) {
        return start(MeshYaml.mesh(dir, clock, documents), b -> b);
    }

    Harness start(Path dir, io.proxyless.mesh.runtime.time.MeshClock clock,
                  UnaryOperator<MeshInterceptor.Builder> options, String... documents) {
        return start(MeshYaml.mesh(dir, clock, documents), options);
    }

    Harness start(Mesh mesh, UnaryOperator<MeshInterceptor.Builder> options) {
        this.mesh = mesh;
        interceptor = options.apply(MeshInterceptor.builder(mesh)).build();
        client = new OkHttpClient.Builder().addInterceptor(interceptor).build();
        return this;
    }

    OkHttpClient client() {
        return client;
    }

    Response call(String url) throws IOException {
        return client.newCall(new Request.Builder().url(url).build()).execute();
    }

    /** GET {@code url}; the status and body as {@code "200 v1"}. */
    String get(String url) throws IOException {
        try (Response r = call(url)) {
            return r.code() + " " + r.body().string();
        }
    }

    @Override
    public void close() {
        if (interceptor != null) {
            interceptor.close();
        }
        if (client != null) {
            client.dispatcher().executorService().shutdown();
            client.connectionPool().evictAll();
        }
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

    /**
     * Waits until {@code condition} holds: for effects that happen on other threads (a server seeing a request, a
     * source applying a change), whose timing says nothing about the mesh.
     */
    static void await(String what, BooleanSupplier condition) {
        Await.until(what, condition);
    }
}
