package io.proxyless.mesh.okhttp;

import static io.proxyless.mesh.okhttp.XdsControlPlane.headerExact;
import static io.proxyless.mesh.okhttp.XdsControlPlane.to;
import static io.proxyless.mesh.okhttp.XdsControlPlane.weighted;
import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.testing.ContinuousLoad;
import io.proxyless.mesh.runtime.testing.HttpUpstream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * OkHttp calls routed by a mesh whose config comes from a real xDS control plane (java-control-plane on
 * 127.0.0.1, istiod's sidecar shape) to real upstreams: the routing is carried out on real requests, and a change
 * on the control plane reaches traffic that is running.
 */
class XdsRoutingTest {
    private static final String URL = "http://reviews:9080/reviews/1";

    @TempDir
    Path dir;

    private static Mesh mesh(XdsControlPlane cp, Path dir, boolean delta) {
        return Mesh.builder().xdsBootstrap(cp.writeBootstrap(dir, delta)).build();
    }

    private static String get(Harness h, String... headers) throws IOException {
        Request.Builder r = new Request.Builder().url(URL);
        for (int i = 0; i < headers.length; i += 2) {
            r.header(headers[i], headers[i + 1]);
        }
        try (Response response = h.client.newCall(r.build()).execute()) {
            return response.code() + " " + response.body().string();
        }
    }

    @Test
    void headerMatchFromXdsSendsJasonToTheV2Upstream() throws Exception {
        try (XdsControlPlane cp = new XdsControlPlane(); Harness h = new Harness()) {
            HttpUpstream v1 = h.upstream("v1");
            HttpUpstream v2 = h.upstream("v2");
            cp.serve(Map.of("v1", v1, "v2", v2), List.of(headerExact("end-user", "jason", "v2"), to("v1")));
            h.start(mesh(cp, dir, false), b -> b);

            for (int i = 0; i < 20; i++) {
                assertThat(get(h, "end-user", "jason")).isEqualTo("200 v2");
                assertThat(get(h)).isEqualTo("200 v1");
                assertThat(get(h, "end-user", "Jason")).as("exact match is case-sensitive").isEqualTo("200 v1");
            }
            assertThat(v2.count()).isEqualTo(20);
            assertThat(v1.count()).isEqualTo(40);
            assertThat(v2.hosts()).as("the upstream sees the logical authority").containsOnly("reviews:9080");
        }
    }

    @Test
    void eightyTwentySplitFromXdsHoldsOverRealRequests() throws Exception {
        try (XdsControlPlane cp = new XdsControlPlane(); Harness h = new Harness()) {
            HttpUpstream v1 = h.upstream("v1");
            HttpUpstream v3 = h.upstream("v3");
            cp.serve(Map.of("v1", v1, "v3", v3), List.of(weighted("v1", 80, "v3", 20)));
            h.start(mesh(cp, dir, false), b -> b);

            int n = 2000;
            for (int i = 0; i < n; i++) {
                String answer = get(h);
                assertThat(answer).isIn("200 v1", "200 v3");
            }
            assertThat(v1.count() + v3.count()).isEqualTo(n);
            assertThat(v1.count() / (double) n).as("v1 share of %d requests (v3: %d)", n, v3.count())
                    .isBetween(0.76, 0.84);
        }
    }

    @ParameterizedTest(name = "delta={0}")
    @ValueSource(booleans = {false, true})
    void aRouteChangeOnTheControlPlaneMovesRunningTrafficOnceAppliedWithoutAFailedRequest(boolean delta)
            throws Exception {
        try (XdsControlPlane cp = new XdsControlPlane(); Harness h = new Harness()) {
            HttpUpstream v1 = h.upstream("v1");
            HttpUpstream v2 = h.upstream("v2");
            Map<String, HttpUpstream> subsets = Map.of("v1", v1, "v2", v2);
            cp.serve(subsets, List.of(to("v1")));
            h.start(mesh(cp, dir, delta), b -> b);

            long changed;
            long applied;
            ContinuousLoad load = new ContinuousLoad(4, () -> get(h));
            try (load) {
                Harness.await("traffic before the change", () -> load.results().size() >= 100);
                changed = System.nanoTime();
                cp.serve(subsets, List.of(to("v2")));
                // Once one request has answered from v2, the change is in force: every request that starts later
                // reads the new snapshot. How long the control plane took to get here is a benchmark figure.
                Harness.await("a request to answer from v2", () -> {
                    try {
                        return get(h).equals("200 v2");
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                applied = System.nanoTime();
                Harness.await("100 requests at v2 after the change", () -> load.since(changed).stream()
                        .filter(r -> "200 v2".equals(r.answer())).count() >= 100);
                // On a loaded machine those 100 may all have started before the probe above returned.
                Harness.await("requests started after the change was in force",
                        () -> load.since(applied).size() >= 20);
            }

            assertThat(load.bad(a -> a.equals("200 v1") || a.equals("200 v2")))
                    .as("failed or unexpected answers").isEmpty();
            long lastV1Start = load.results().stream().filter(r -> r.answer().equals("200 v1"))
                    .mapToLong(ContinuousLoad.Result::startNanos).max().orElseThrow();
            assertThat(lastV1Start).as("the last request routed to v1 started before the change was in force")
                    .isLessThan(applied);
            assertThat(load.since(applied)).as("requests after the change was in force").isNotEmpty()
                    .allMatch(r -> r.answer().equals("200 v2"));
            assertThat(load.since(changed).size()).as("requests during the change").isGreaterThan(100);
        }
    }
}
