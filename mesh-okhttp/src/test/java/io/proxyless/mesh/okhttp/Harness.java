package io.proxyless.mesh.okhttp;

import io.proxyless.mesh.runtime.Mesh;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/** Upstreams, a mesh over YAML in a temp dir, an interceptor and a client; closes everything it made. */
final class Harness implements AutoCloseable {
    private final List<AutoCloseable> closeables = new ArrayList<>();
    Mesh mesh;
    MeshInterceptor interceptor;
    OkHttpClient client;

    Upstream upstream(String name) {
        Upstream u = Upstream.start(name);
        closeables.add(u);
        return u;
    }

    Upstream upstream(String name, java.util.function.Function<RecordedRequest, MockResponse> respond) {
        Upstream u = Upstream.start(name, respond);
        closeables.add(u);
        return u;
    }

    Upstream add(Upstream u) {
        closeables.add(u);
        return u;
    }

    Harness start(Path dir, String... documents) {
        return start(dir, b -> b, documents);
    }

    Harness start(Path dir, UnaryOperator<MeshInterceptor.Builder> options, String... documents) {
        mesh = MeshConfigs.mesh(dir, documents);
        return start(mesh, options);
    }

    /** Starts on a mesh whose time is {@code clock} (a test's fake clock). */
    Harness start(Path dir, io.proxyless.mesh.runtime.time.MeshClock clock, String... documents) {
        return start(MeshConfigs.mesh(dir, clock, documents), b -> b);
    }

    Harness start(Mesh mesh, UnaryOperator<MeshInterceptor.Builder> options) {
        this.mesh = mesh;
        interceptor = options.apply(MeshInterceptor.builder(mesh)).build();
        client = new OkHttpClient.Builder().addInterceptor(interceptor).build();
        return this;
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
     * Waits until {@code condition} holds, failing after a generous 30 s: for effects that happen on other
     * threads (a server seeing a request, a source applying a change), whose timing says nothing about the mesh.
     */
    static void await(String what, BooleanSupplier condition) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
    }
}
