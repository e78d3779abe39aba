package io.proxyless.mesh.benchmarks;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.proxyless.mesh.micrometer.MeshMetrics;
import io.proxyless.mesh.okhttp.MeshInterceptor;
import io.proxyless.mesh.runtime.Mesh;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.Okio;

/**
 * The HTTP variants, all OkHttp against the {@link Backend}, with the same request mix: of every ten requests, one
 * carries {@code end-user: jason}, two are POSTs with a 512-byte JSON body, the rest GETs of a 256-byte document.
 * <ul>
 *   <li>{@code plain}: straight to one backend port;</li>
 *   <li>{@code plain-4}: a control — the caller takes the four backend ports in turn, so that requests spread over
 *       four connections as the mesh's do, without mesh code;</li>
 *   <li>{@code mesh}: {@link MeshInterceptor} calling {@code http://echo:8080} ({@link MeshConfigs#httpEcho}: header
 *       route, 80/20 split, retries, LEAST_REQUEST over four endpoints, outlier detection);</li>
 *   <li>{@code mesh-metrics}: the {@code mesh} variant with Istio's metrics on ({@link MeshMetrics} bound to a
 *       Prometheus registry, as a sidecar-less application serving {@code /stats/prometheus} has them), the same
 *       client otherwise: metrics on vs off;</li>
 *   <li>{@code haproxy}: to the local HAProxy the script started (same routing, the stand-in for a sidecar hop);</li>
 *   <li>{@code mirror-none}, {@code mirror-healthy}, {@code mirror-dead}: the mesh variant without a mirror, with
 *       every request mirrored to a healthy port, and to a port where nothing listens.</li>
 * </ul>
 */
final class HttpCallers {
    static final String[] VARIANTS = {"plain", "plain-4", "mesh", "mesh-metrics", "haproxy", "mirror-none", "mirror-healthy",
            "mirror-dead"};
    private static final MediaType JSON = MediaType.get("application/json");
    private static final byte[] POST_BODY = new byte[512];

    static {
        Arrays.fill(POST_BODY, (byte) 'x');
    }

    private HttpCallers() {
    }

    static Caller create(String variant, Properties backend) throws IOException {
        int[] ports = BenchEnv.ports(backend, "http.ports");
        // Up to 32 callers over up to 4 endpoints: keep every connection (OkHttp's default keeps only 5 idle).
        OkHttpClient.Builder b = new OkHttpClient.Builder()
                .connectionPool(new ConnectionPool(128, 5, TimeUnit.MINUTES));
        String[] bases;
        Path dir = null;
        Mesh mesh = null;
        MeshInterceptor interceptor = null;
        switch (variant) {
            case "plain" -> bases = new String[] {"http://127.0.0.1:" + ports[0]};
            case "plain-4" -> {
                bases = new String[ports.length];
                for (int i = 0; i < ports.length; i++) {
                    bases[i] = "http://127.0.0.1:" + ports[i];
                }
            }
            case "haproxy" -> bases = new String[] {"http://127.0.0.1:" + BenchEnv.port(backend, "proxy.port")};
            case "mesh", "mesh-metrics", "mirror-none", "mirror-healthy", "mirror-dead" -> {
                Integer mirrorPort = switch (variant) {
                    case "mirror-healthy" -> BenchEnv.port(backend, "http.mirror.port");
                    case "mirror-dead" -> BenchEnv.port(backend, "dead.port");
                    default -> null;
                };
                dir = Files.createTempDirectory("mesh-bench-http");
                Files.writeString(dir.resolve("mesh.yaml"), MeshConfigs.httpEcho(ports, mirrorPort));
                mesh = Mesh.builder().configPaths(dir).namespace("default").watch(false).build();
                if (variant.equals("mesh-metrics")) {
                    MeshMetrics.bindTo(mesh, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
                }
                interceptor = MeshInterceptor.builder(mesh).build();
                b.addInterceptor(interceptor);
                bases = new String[] {"http://echo:8080"};
            }
            default -> throw new IllegalArgumentException("unknown HTTP variant " + variant);
        }
        OkHttpCaller caller = new OkHttpCaller(variant, b.build(), bases, dir, mesh, interceptor);
        caller.call(0, 0); // a broken setup fails here, with a clear error
        return caller;
    }

    private static final class OkHttpCaller implements Caller {
        private final String variant;
        private final OkHttpClient client;
        private final String[] bases;
        private final Path dir;
        private final Mesh mesh;
        private final MeshInterceptor interceptor;

        OkHttpCaller(String variant, OkHttpClient client, String[] bases, Path dir, Mesh mesh,
                     MeshInterceptor interceptor) {
            this.variant = variant;
            this.client = client;
            this.bases = bases;
            this.dir = dir;
            this.mesh = mesh;
            this.interceptor = interceptor;
        }

        @Override
        public void call(int worker, int i) throws IOException {
            int slot = i % 10;
            String base = bases[i % bases.length];
            Request.Builder r = new Request.Builder();
            if (slot == 3 || slot == 7) {
                r.url(base + "/items").post(RequestBody.create(POST_BODY, JSON));
            } else {
                r.url(base + "/items/" + (i % 100));
            }
            if (slot == 0) {
                r.header("end-user", "jason");
            }
            try (Response response = client.newCall(r.build()).execute()) {
                if (response.code() != 200) {
                    throw new IOException(variant + ": status " + response.code());
                }
                response.body().source().readAll(Okio.blackhole());
            }
        }

        @Override
        public String stats() {
            return interceptor == null || !variant.startsWith("mirror") ? null
                    : interceptor.mirrorStats().toString();
        }

        @Override
        public void close() throws IOException {
            if (interceptor != null) {
                interceptor.close();
            }
            if (mesh != null) {
                mesh.close();
            }
            client.dispatcher().executorService().shutdown();
            client.connectionPool().evictAll();
            if (dir != null) {
                Files.deleteIfExists(dir.resolve("mesh.yaml"));
                Files.deleteIfExists(dir);
            }
        }
    }
}
