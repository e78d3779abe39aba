package io.proxyless.mesh.okhttp;

import static io.proxyless.mesh.runtime.testing.MeshYaml.endpoint;
import static io.proxyless.mesh.runtime.testing.MeshYaml.serviceEntry;
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

/** An absolute (trailing-dot) or upper-case spelling of a service's name reaches the same upstreams. */
class HostSpellingTest {
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
    void everySpellingOfTheServiceIsRoutedByItsVirtualService() throws IOException {
        mesh = MeshYaml.mesh(dir,
                serviceEntry("reviews", 9080, endpoint(v1, "labels: {version: v1}"), endpoint(v2, "labels: {version: v2}")),
                subsetsV1V2("reviews", ""),
                virtualService("reviews", """
                        - match: [{headers: {end-user: {exact: jason}}}]
                          route: [{destination: {host: reviews.default.svc.cluster.local., subset: v2}}]
                        - route: [{destination: {host: REVIEWS, subset: v1}}]
                        """));
        interceptor = MeshInterceptor.create(mesh);
        OkHttpClient client = new OkHttpClient.Builder().addInterceptor(interceptor).build();

        List<String> urls = List.of("http://reviews.default.svc.cluster.local:9080/r",
                "http://reviews.default.svc.cluster.local.:9080/r", "http://REVIEWS.Default.SVC.cluster.local:9080/r",
                "http://Reviews:9080/r", "http://reviews.default:9080/r");
        for (String url : urls) {
            assertThat(get(client, url, "jason")).as(url).isEqualTo("v2");
            assertThat(get(client, url, "mary")).as(url).isEqualTo("v1");
        }
        assertThat(v1.count()).isEqualTo(urls.size());
        assertThat(v2.count()).isEqualTo(urls.size());
    }

    private static String get(OkHttpClient client, String url, String user) throws IOException {
        Request request = new Request.Builder().url(url).header("end-user", user).build();
        try (Response r = client.newCall(request).execute()) {
            return r.body().string();
        }
    }
}
