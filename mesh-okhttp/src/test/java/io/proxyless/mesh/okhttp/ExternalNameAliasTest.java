package io.proxyless.mesh.okhttp;

import static io.proxyless.mesh.runtime.testing.MeshYaml.subsetsV1V2;
import static io.proxyless.mesh.runtime.testing.MeshYaml.virtualService;
import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.testing.HttpUpstream;
import io.proxyless.mesh.runtime.testing.MeshYaml;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Kubernetes {@code ExternalName} Service naming a service of the mesh is another name of it (Istio 1.21+): its
 * callers get the named service's routes and endpoints. One naming a host outside the mesh still goes there by DNS.
 */
class ExternalNameAliasTest {
    @TempDir
    Path dir;

    private final HttpUpstream v1 = HttpUpstream.start("v1");
    private final HttpUpstream v2 = HttpUpstream.start("v2");
    private Mesh mesh;
    private MeshInterceptor interceptor;

    @AfterEach
    void stop() {
        interceptor.close();
        mesh.close();
        v1.close();
        v2.close();
    }

    @Test
    void callsToTheAliasAreRoutedByTheNamedServicesVirtualService() throws IOException {
        String reviews = """
                apiVersion: v1
                kind: Service
                metadata: {name: reviews, namespace: default}
                spec:
                  ports: [{name: http, port: 9080}]
                ---
                apiVersion: v1
                kind: Endpoints
                metadata: {name: reviews, namespace: default}
                subsets:
                - addresses: [{ip: 127.0.0.1, targetRef: {kind: Pod, name: reviews-v1}}]
                  ports: [{name: http, port: %d}]
                - addresses: [{ip: 127.0.0.1, targetRef: {kind: Pod, name: reviews-v2}}]
                  ports: [{name: http, port: %d}]
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: reviews-v1, namespace: default, labels: {version: v1}}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: reviews-v2, namespace: default, labels: {version: v2}}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: critics, namespace: default}
                spec:
                  type: ExternalName
                  externalName: reviews.default.svc.cluster.local
                """.formatted(v1.port(), v2.port());
        mesh = MeshYaml.mesh(dir, reviews, subsetsV1V2("reviews", ""), virtualService("reviews", """
                - match: [{headers: {end-user: {exact: jason}}}]
                  route: [{destination: {host: reviews, subset: v2}}]
                - route: [{destination: {host: reviews, subset: v1}}]
                """));
        interceptor = MeshInterceptor.create(mesh);
        OkHttpClient client = new OkHttpClient.Builder().addInterceptor(interceptor).build();

        List<String> urls = List.of("http://critics:9080/r", "http://critics.default:9080/r",
                "http://critics.default.svc.cluster.local:9080/r", "http://reviews:9080/r");
        for (String url : urls) {
            assertThat(get(client, url, "jason")).as(url).isEqualTo("v2");
            assertThat(get(client, url, "mary")).as(url).isEqualTo("v1");
        }
        assertThat(v1.count()).isEqualTo(urls.size());
        assertThat(v2.count()).isEqualTo(urls.size());
    }

    @Test
    void anExternalNameOutsideTheMeshIsReachedByDnsOnItsOwnPorts() throws IOException {
        String payments = """
                apiVersion: v1
                kind: Service
                metadata: {name: payments, namespace: default}
                spec:
                  type: ExternalName
                  externalName: localhost
                  ports: [{name: http, port: %d}]
                """.formatted(v1.port());
        mesh = MeshYaml.mesh(dir, payments);
        interceptor = MeshInterceptor.create(mesh);
        OkHttpClient client = new OkHttpClient.Builder().addInterceptor(interceptor).build();

        assertThat(get(client, "http://payments:" + v1.port() + "/p", "mary")).isEqualTo("v1");
        assertThat(v1.count()).isEqualTo(1);
    }

    private static String get(OkHttpClient client, String url, String user) throws IOException {
        Request request = new Request.Builder().url(url).header("end-user", user).build();
        try (Response r = client.newCall(request).execute()) {
            return r.body().string();
        }
    }
}
