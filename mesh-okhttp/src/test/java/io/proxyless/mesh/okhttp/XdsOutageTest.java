package io.proxyless.mesh.okhttp;

import static io.proxyless.mesh.okhttp.XdsControlPlane.to;
import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.testing.ContinuousLoad;
import io.proxyless.mesh.runtime.testing.HttpUpstream;
import io.proxyless.mesh.xds.XdsBootstrap;
import io.proxyless.mesh.xds.XdsConfigSource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The control plane goes away for 10 s while OkHttp traffic runs, then comes back with a change. */
class XdsOutageTest {
    private static final String URL = "http://reviews:9080/reviews/1";

    @Test
    void tenSecondControlPlaneOutageFailsNoRequestAndTheRestartedServerIsResubscribedWithItsChange()
            throws Exception {
        try (XdsControlPlane cp = new XdsControlPlane(); Harness h = new Harness()) {
            HttpUpstream v1 = h.upstream("v1");
            HttpUpstream v2 = h.upstream("v2");
            Map<String, HttpUpstream> subsets = Map.of("v1", v1, "v2", v2);
            cp.serve(subsets, List.of(to("v1")));
            // A short reconnect backoff (the default grows to ~6 s by the end of a 10 s outage) keeps the wait
            // after the restart short; the outage itself takes the same path either way.
            XdsConfigSource source = XdsConfigSource.builder(XdsBootstrap.parse(cp.bootstrapJson(false), "test"))
                    .reconnectBackoff(Duration.ofMillis(200), Duration.ofSeconds(1)).start();
            try (source) {
                assertThat(source.awaitInitialConfig(Duration.ofSeconds(5))).as("initial config").isTrue();
                h.start(Mesh.builder().configSource(source).build(), b -> b);

                long down;
                long up;
                int streamsBefore;
                ContinuousLoad load = new ContinuousLoad(2, () -> h.get(URL));
                try (load) {
                    Harness.await("traffic before the outage", () -> load.results().size() >= 50);
                    streamsBefore = cp.streams.get();
                    down = System.nanoTime();
                    cp.stop();
                    // The outage lasts at least 10 s and at least 500 requests: a slow machine makes it longer, never
                    // thinner.
                    Harness.await("10 s and 500 requests into the outage", () -> System.nanoTime() - down
                            >= TimeUnit.SECONDS.toNanos(10) && load.since(down).size() > 500);
                    assertThat(source.connected()).as("connected during the outage").isFalse();

                    cp.serve(subsets, List.of(to("v2")));
                    up = System.nanoTime();
                    cp.start();
                    Harness.await("the change after the restart", () -> load.since(up).stream()
                            .anyMatch(r -> "200 v2".equals(r.answer())));
                }

                assertThat(load.bad(a -> a.equals("200 v1") || a.equals("200 v2")))
                        .as("failed or unexpected answers").isEmpty();
                List<ContinuousLoad.Result> duringOutage = load.results().stream()
                        .filter(r -> r.startNanos() >= down && r.startNanos() < up).toList();
                assertThat(duringOutage).as("requests during the outage").hasSizeGreaterThan(500)
                        .allMatch(r -> r.answer().equals("200 v1"));
                assertThat(cp.streams.get()).as("re-subscribed on a new stream").isGreaterThan(streamsBefore);
                assertThat(source.connected()).isTrue();
            }
        }
    }
}
