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
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A config reload while traffic flows: nothing fails, the new weights apply. */
class HotReloadTest {
    @TempDir
    Path dir;

    private static String split(HttpUpstream v1, HttpUpstream v2, int w1, int w2) {
        return String.join("---\n", List.of(
                serviceEntry("reviews", 9080, endpoint(v1, "labels: {version: v1}"),
                        endpoint(v2, "labels: {version: v2}")),
                subsetsV1V2("reviews", ""),
                virtualService("reviews", """
                        - route:
                          - {destination: {host: reviews, subset: v1}, weight: %d}
                          - {destination: {host: reviews, subset: v2}, weight: %d}
                        """.formatted(w1, w2))));
    }

    private void writeAtomically(String yaml) throws IOException {
        Path tmp = Files.createTempFile(dir.getParent(), "mesh", ".tmp");
        Files.writeString(tmp, yaml);
        Files.move(tmp, dir.resolve("mesh.yaml"), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    private static HttpUpstream.Reply held(CountDownLatch release, String body) {
        try {
            release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return HttpUpstream.Reply.of(200, body);
    }

    @Test
    void changingWeightsWithAThousandRequestsInFlightFailsNothingAndAppliesTheNewSplit() throws Exception {
        try (Harness h = new Harness()) {
            // The upstreams hold every request until the reload has been applied: the requests in flight then are
            // exactly the dispatcher's 200, whatever the machine's speed.
            CountDownLatch release = new CountDownLatch(1);
            HttpUpstream v1 = h.upstream("v1", r -> held(release, "v1"));
            HttpUpstream v2 = h.upstream("v2", r -> held(release, "v2"));
            writeAtomically(split(v1, v2, 90, 10));
            Mesh mesh = Mesh.builder().configPaths(dir).namespace("default").watch(true).build();
            h.start(mesh, b -> b);
            Dispatcher dispatcher = new Dispatcher();
            dispatcher.setMaxRequests(200);
            dispatcher.setMaxRequestsPerHost(200);
            // The held requests wait for the reload: on a loaded machine that can outlast OkHttp's default 10 s
            // read timeout, which would fail them for a reason that is not the reload's.
            OkHttpClient client = h.client.newBuilder().dispatcher(dispatcher)
                    .readTimeout(Duration.ofMinutes(1)).build();

            int n = 1000;
            CountDownLatch done = new CountDownLatch(n);
            AtomicInteger ok = new AtomicInteger();
            AtomicInteger failed = new AtomicInteger();
            AtomicInteger completed = new AtomicInteger();
            AtomicReference<String> firstFailure = new AtomicReference<>();
            for (int i = 0; i < n; i++) {
                client.newCall(new Request.Builder().url("http://reviews:9080/" + i).build()).enqueue(new Callback() {
                    @Override
                    public void onResponse(Call call, Response response) throws IOException {
                        try (response) {
                            String body = response.body().string();
                            if (response.code() == 200 && (body.equals("v1") || body.equals("v2"))) {
                                ok.incrementAndGet();
                            } else {
                                firstFailure.compareAndSet(null, response.code() + " " + body);
                                failed.incrementAndGet();
                            }
                        } finally {
                            completed.incrementAndGet();
                            done.countDown();
                        }
                    }

                    @Override
                    public void onFailure(Call call, IOException e) {
                        firstFailure.compareAndSet(null, e.toString());
                        failed.incrementAndGet();
                        completed.incrementAndGet();
                        done.countDown();
                    }
                });
            }
            Harness.await("200 requests at the upstreams", () -> v1.count() + v2.count() == 200);
            assertThat(completed.get()).isZero();
            writeAtomically(split(v1, v2, 10, 90));
            Harness.await("the reload to be applied", () -> mesh.snapshot().routes("reviews").get(0).destinations()
                    .get(1).weight() == 90);
            v1.respond = r -> HttpUpstream.Reply.of(200, "v1"); // no more holding requests in flight
            v2.respond = r -> HttpUpstream.Reply.of(200, "v2");
            release.countDown();
            assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(failed.get()).as("failed requests, the first: %s", firstFailure.get()).isZero();
            assertThat(ok.get()).isEqualTo(n);

            int v1Before = v1.count();
            int v2Before = v2.count();
            int after = 400;
            for (int i = 0; i < after; i++) {
                client.newCall(new Request.Builder().url("http://reviews:9080/after").build()).execute().close();
            }
            double v2Share = (v2.count() - v2Before) / (double) after;
            assertThat(v1.count() - v1Before + v2.count() - v2Before).isEqualTo(after);
            assertThat(v2Share).as("new split 10/90").isBetween(0.84, 0.96);
            dispatcher.executorService().shutdown();
        }
    }
}
