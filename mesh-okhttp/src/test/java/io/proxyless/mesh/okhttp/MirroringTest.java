package io.proxyless.mesh.okhttp;

import static io.proxyless.mesh.okhttp.MeshConfigs.endpoint;
import static io.proxyless.mesh.okhttp.MeshConfigs.serviceEntry;
import static io.proxyless.mesh.okhttp.MeshConfigs.virtualService;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mirroring: a copy per primary request, fire-and-forget, bounded. */
class MirroringTest {
    @TempDir
    Path dir;

    private static String[] config(Upstream primary, int shadowPort) {
        return new String[] {
            serviceEntry("reviews", 9080, endpoint(primary, "")),
            serviceEntry("ratings", 9080, endpoint(primary, "")),
            serviceEntry("shadow", 9080, endpoint(shadowPort, "")),
            virtualService("reviews", """
                    - route: [{destination: {host: reviews}}]
                      mirror: {host: shadow}
                    """)
        };
    }

    @Test
    void everyPrimaryRequestIsMirroredOnceWithThePrimarysHost() throws Exception {
        try (Harness h = new Harness()) {
            Upstream primary = h.upstream("primary");
            Upstream shadow = h.upstream("shadow");
            h.start(dir, config(primary, shadow.port()));
            for (int i = 0; i < 50; i++) {
                assertThat(h.get("http://reviews:9080/r/" + i)).isEqualTo("200 primary");
            }
            assertThat(Harness.eventually(5000, () -> shadow.count() == 50)).as("copies: %s", shadow.count())
                    .isTrue();
            Thread.sleep(100);
            assertThat(shadow.count()).as("exactly one copy each").isEqualTo(50);
            assertThat(shadow.hosts()).containsOnly("reviews:9080");
            assertThat(shadow.recorded.stream().map(r -> r.getUrl().encodedPath()).distinct().count()).isEqualTo(50);
            assertThat(h.interceptor.mirrorStats()).isEqualTo(new MirrorStats(50, 0, 50, 0));
            assertThat(primary.count()).isEqualTo(50);
        }
    }

    @Test
    void theClassicShadowSuffixIsAnOption() throws Exception {
        try (Harness h = new Harness()) {
            Upstream primary = h.upstream("primary");
            Upstream shadow = h.upstream("shadow");
            h.start(dir, b -> b.shadowHostSuffix(true), config(primary, shadow.port()));
            for (int i = 0; i < 10; i++) {
                h.get("http://reviews:9080/");
            }
            assertThat(Harness.eventually(5000, () -> shadow.count() == 10)).isTrue();
            assertThat(shadow.hosts()).containsOnly("reviews-shadow:9080");
            assertThat(primary.hosts()).containsOnly("reviews:9080");
        }
    }

    @Test
    void aDeadShadowNeverDelaysOrFailsThePrimary() throws Exception {
        try (Harness h = new Harness()) {
            Upstream primary = h.upstream("primary");
            h.start(dir, config(primary, Upstream.deadPort()));
            compareLatency(h);
            // 50 warm-up copies and 500 measured ones, each failed (connection refused) or dropped (queue full).
            assertThat(Harness.eventually(5000, () -> h.interceptor.mirrorStats().failed()
                    + h.interceptor.mirrorStats().dropped() == 550)).as("%s", h.interceptor.mirrorStats()).isTrue();
        }
    }

    @Test
    void aShadowAnsweringAfterFiveSecondsNeverDelaysOrFailsThePrimary() throws Exception {
        try (Harness h = new Harness()) {
            Upstream primary = h.upstream("primary");
            Upstream slow = h.upstream("slow", r -> new MockResponse.Builder().code(200).body("late")
                    .headersDelay(5, TimeUnit.SECONDS).build());
            h.start(dir, config(primary, slow.port()));
            compareLatency(h);
            MirrorStats stats = h.interceptor.mirrorStats();
            assertThat(stats.dropped()).as("bounded: the queue overflows, copies are dropped and counted: %s", stats)
                    .isGreaterThan(0);
            assertThat(stats.queued()).as("%s", stats).isLessThan(stats.dropped());
        }
    }

    /**
     * 500 mirrored and 500 unmirrored requests to the same upstream, interleaved (in alternating order) so both
     * see the same machine load, all must succeed; the mirrored p99 and median must stay within 5% of the unmirrored ones. Loopback
     * calls take about a millisecond, where 5% is 50 µs — less than scheduler noise on a loaded 2-core box — so
     * the comparison allows an absolute slack of 5 ms on top; a mirror that blocked the caller (a 5 s shadow, a
     * connect to a dead port) would add far more than that to every call.
     */
    private static void compareLatency(Harness h) throws Exception {
        for (int i = 0; i < 50; i++) { // warm-up: JIT, pools
            h.get("http://ratings:9080/warm");
            h.get("http://reviews:9080/warm");
        }
        List<Long> plain = new ArrayList<>();
        List<Long> mirrored = new ArrayList<>();
        int failures = 0;
        MirrorStats before = h.interceptor.mirrorStats();
        for (int i = 0; i < 500; i++) {
            // Alternate which goes first, so neither kind always runs right after the other's side effects.
            boolean mirroredFirst = i % 2 == 1;
            for (int k = 0; k < 2; k++) {
                boolean doMirrored = (k == 0) == mirroredFirst;
                long t0 = System.nanoTime();
                String answer = h.get(doMirrored ? "http://reviews:9080/m/" + i : "http://ratings:9080/p/" + i);
                (doMirrored ? mirrored : plain).add(System.nanoTime() - t0);
                failures += answer.equals("200 primary") ? 0 : 1;
            }
        }
        assertThat(failures).isZero();
        double plainP99 = Harness.percentileMillis(plain, 0.99);
        double mirroredP99 = Harness.percentileMillis(mirrored, 0.99);
        double plainMedian = Harness.percentileMillis(plain, 0.5);
        double mirroredMedian = Harness.percentileMillis(mirrored, 0.5);
        String numbers = String.format("p99 plain %.2f ms, mirrored %.2f ms; median plain %.2f ms, mirrored %.2f ms",
                plainP99, mirroredP99, plainMedian, mirroredMedian);
        System.out.println("mirror latency: " + numbers);
        assertThat(mirroredP99).as(numbers).isLessThanOrEqualTo(plainP99 * 1.05 + 5);
        assertThat(mirroredMedian).as(numbers).isLessThanOrEqualTo(plainMedian * 1.05 + 5);
        MirrorStats after = h.interceptor.mirrorStats();
        long copies = (after.queued() + after.dropped()) - (before.queued() + before.dropped());
        assertThat(copies).as("one copy per mirrored request, sent or dropped").isEqualTo(500);
    }
}
