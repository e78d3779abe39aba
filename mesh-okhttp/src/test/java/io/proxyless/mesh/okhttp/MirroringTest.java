package io.proxyless.mesh.okhttp;

import static io.proxyless.mesh.runtime.testing.MeshYaml.endpoint;
import static io.proxyless.mesh.runtime.testing.MeshYaml.serviceEntry;
import static io.proxyless.mesh.runtime.testing.MeshYaml.virtualService;
import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.runtime.testing.FakeClock;
import io.proxyless.mesh.runtime.testing.HttpUpstream;
import io.proxyless.mesh.runtime.testing.MeshYaml;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mirroring: a copy per primary request, fire-and-forget, bounded. */
class MirroringTest {
    @TempDir
    Path dir;

    private static String[] config(HttpUpstream primary, int shadowPort) {
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
            HttpUpstream primary = h.upstream("primary");
            HttpUpstream shadow = h.upstream("shadow");
            h.start(dir, config(primary, shadow.port()));
            for (int i = 0; i < 50; i++) {
                assertThat(h.get("http://reviews:9080/r/" + i)).isEqualTo("200 primary");
            }
            Harness.await("50 completed copies", () -> h.interceptor.mirrorStats().completed() == 50);
            // Each copy is queued once (the stats count every copy made), so 50 completed means one each.
            assertThat(shadow.count()).as("exactly one copy each").isEqualTo(50);
            assertThat(shadow.hosts()).containsOnly("reviews:9080");
            assertThat(shadow.recorded.stream().map(HttpUpstream.Received::path).distinct().count()).isEqualTo(50);
            assertThat(h.interceptor.mirrorStats()).isEqualTo(new MirrorStats(50, 0, 50, 0));
            assertThat(primary.count()).isEqualTo(50);
        }
    }

    @Test
    void theClassicShadowSuffixIsAnOption() throws Exception {
        try (Harness h = new Harness()) {
            HttpUpstream primary = h.upstream("primary");
            HttpUpstream shadow = h.upstream("shadow");
            h.start(dir, b -> b.shadowHostSuffix(true), config(primary, shadow.port()));
            for (int i = 0; i < 10; i++) {
                h.get("http://reviews:9080/");
            }
            Harness.await("10 copies at the shadow", () -> shadow.count() == 10);
            assertThat(shadow.hosts()).containsOnly("reviews-shadow:9080");
            assertThat(primary.hosts()).containsOnly("reviews:9080");
        }
    }

    @Test
    void aDeadShadowNeverFailsThePrimary() throws Exception {
        try (Harness h = new Harness()) {
            HttpUpstream primary = h.upstream("primary");
            h.start(dir, config(primary, HttpUpstream.deadPort()));
            for (int i = 0; i < 100; i++) {
                assertThat(h.get("http://reviews:9080/m/" + i)).isEqualTo("200 primary");
            }
            // Every copy failed (connection refused) or was dropped (queue full); none reached the caller.
            Harness.await("100 failed or dropped copies", () -> h.interceptor.mirrorStats().failed()
                    + h.interceptor.mirrorStats().dropped() == 100);
        }
    }

    /**
     * A shadow that never answers while the primaries run: every primary still completes (none waits for its
     * copy), and the copies in flight stay bounded — the sender's threads and queue fill, the rest are dropped
     * and counted.
     */
    @Test
    void aShadowThatNeverAnswersNeitherHoldsUpThePrimaryNorPilesUpCopies() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (Harness h = new Harness()) {
            HttpUpstream primary = h.upstream("primary");
            HttpUpstream stuck = h.upstream("stuck", r -> {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return HttpUpstream.Reply.of(200, "late");
            });
            h.start(dir, b -> b.mirrorConcurrency(2).mirrorQueueSize(4), config(primary, stuck.port()));
            try {
                for (int i = 0; i < 50; i++) {
                    assertThat(h.get("http://reviews:9080/m/" + i)).isEqualTo("200 primary");
                }
                MirrorStats stats = h.interceptor.mirrorStats();
                assertThat(stats.queued() + stats.dropped()).as("one copy per request, sent or dropped: %s", stats)
                        .isEqualTo(50);
                assertThat(stats.queued()).as("at most the threads and the queue: %s", stats)
                        .isLessThanOrEqualTo(6);
                assertThat(stats.completed()).as("no copy answered yet: %s", stats).isZero();
            } finally {
                release.countDown();
            }
        }
    }

    /** A mirror client that counts its connect attempts. */
    private static OkHttpClient counting(AtomicInteger connects) {
        return new OkHttpClient.Builder().eventListener(new EventListener() {
            @Override
            public void connectStart(Call call, InetSocketAddress address, Proxy proxy) {
                connects.incrementAndGet();
            }
        }).build();
    }

    /**
     * A mirror endpoint that refuses connections is backed off on the mesh clock: after the first refused copy the
     * copies are dropped and counted, with no connect attempt, until the backoff has passed; then one copy probes,
     * and a refused probe doubles the backoff. The primaries never notice.
     */
    @Test
    void aRefusingMirrorIsBackedOffWithoutAConnectAttemptPerCopy() throws Exception {
        FakeClock clock = new FakeClock();
        AtomicInteger connects = new AtomicInteger();
        try (Harness h = new Harness()) {
            HttpUpstream primary = h.upstream("primary");
            h.start(dir, clock, b -> b.mirrorClient(counting(connects)), config(primary, HttpUpstream.deadPort()));
            assertThat(h.get("http://reviews:9080/first")).isEqualTo("200 primary");
            Harness.await("the first copy refused", () -> h.interceptor.mirrorStats().failed() == 1);
            for (int i = 0; i < 20; i++) {
                assertThat(h.get("http://reviews:9080/m/" + i)).isEqualTo("200 primary");
            }
            assertThat(h.interceptor.mirrorStats()).isEqualTo(new MirrorStats(1, 20, 0, 1));
            assertThat(connects.get()).as("one connect attempt, by the first copy").isEqualTo(1);

            clock.advance(Duration.ofSeconds(1)); // the first backoff has passed: the next copy probes
            h.get("http://reviews:9080/probe");
            Harness.await("the probe refused", () -> h.interceptor.mirrorStats().failed() == 2);
            h.get("http://reviews:9080/m");
            assertThat(h.interceptor.mirrorStats()).isEqualTo(new MirrorStats(2, 21, 0, 2));

            clock.advance(Duration.ofSeconds(1)); // the backoff doubled to 2 s: still dropped
            h.get("http://reviews:9080/m");
            assertThat(h.interceptor.mirrorStats()).isEqualTo(new MirrorStats(2, 22, 0, 2));
            clock.advance(Duration.ofSeconds(1));
            h.get("http://reviews:9080/probe");
            Harness.await("the second probe refused", () -> h.interceptor.mirrorStats().failed() == 3);
            assertThat(connects.get()).as("a connect attempt per probe, none per dropped copy").isEqualTo(3);
            assertThat(primary.count()).isEqualTo(25);
        }
    }

    /**
     * A mirror that times out is backed off like one that refuses; when it answers again, the first probe that
     * gets a response ends the backoff and every copy is sent again.
     */
    @Test
    void aMirrorThatTimesOutIsBackedOffUntilAProbeIsAnswered() throws Exception {
        FakeClock clock = new FakeClock();
        CountDownLatch answer = new CountDownLatch(1);
        try (Harness h = new Harness()) {
            HttpUpstream primary = h.upstream("primary");
            HttpUpstream slow = h.upstream("slow", r -> {
                try {
                    answer.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return HttpUpstream.Reply.of(200, "late");
            });
            h.start(dir, clock, b -> b.mirrorTimeout(Duration.ofSeconds(2)), config(primary, slow.port()));
            h.get("http://reviews:9080/first");
            Harness.await("the first copy timed out", () -> h.interceptor.mirrorStats().failed() == 1);
            for (int i = 0; i < 10; i++) {
                assertThat(h.get("http://reviews:9080/m/" + i)).isEqualTo("200 primary");
            }
            assertThat(h.interceptor.mirrorStats()).isEqualTo(new MirrorStats(1, 10, 0, 1));

            answer.countDown();
            clock.advance(Duration.ofSeconds(1));
            h.get("http://reviews:9080/probe");
            Harness.await("the probe answered", () -> h.interceptor.mirrorStats().completed() == 1);
            for (int i = 0; i < 5; i++) {
                h.get("http://reviews:9080/again/" + i);
            }
            Harness.await("every copy sent again", () -> h.interceptor.mirrorStats().completed() == 6);
            assertThat(h.interceptor.mirrorStats()).isEqualTo(new MirrorStats(7, 10, 6, 1));
        }
    }
}
