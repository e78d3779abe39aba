package io.proxyless.mesh.jdkhttp;

import static io.proxyless.mesh.runtime.testing.MeshYaml.endpoint;
import static io.proxyless.mesh.runtime.testing.MeshYaml.serviceEntry;
import static io.proxyless.mesh.runtime.testing.MeshYaml.virtualService;
import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.runtime.event.CallView;
import io.proxyless.mesh.runtime.event.MeshListener;
import io.proxyless.mesh.runtime.routing.Mirror;
import io.proxyless.mesh.runtime.testing.Await;
import io.proxyless.mesh.runtime.testing.HttpUpstream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mirroring with the JDK client: copies go fire-and-forget to the mirror cluster, never in the primary's way. */
class MirroringTest {
    @TempDir
    Path dir;

    /** Counts mirror copies by what became of them, from the engine's events. */
    static final class Copies implements MeshListener {
        final AtomicInteger sent = new AtomicInteger();
        final AtomicInteger completed = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        final AtomicInteger dropped = new AtomicInteger();

        @Override
        public void mirrorSent(CallView call, Mirror mirror, io.proxyless.mesh.runtime.registry.Endpoint endpoint) {
            sent.incrementAndGet();
        }

        @Override
        public void mirrorCompleted(CallView call, Mirror mirror, int status) {
            (status > 0 ? completed : failed).incrementAndGet();
        }

        @Override
        public void mirrorDropped(CallView call, Mirror mirror, String reason) {
            dropped.incrementAndGet();
        }
    }

    private static String[] config(HttpUpstream primary, int shadowPort) {
        return new String[] {
            serviceEntry("reviews", 9080, endpoint(primary, "")),
            serviceEntry("shadow", 9080, endpoint(shadowPort, "")),
            virtualService("reviews", """
                    - route: [{destination: {host: reviews}}]
                      mirror: {host: shadow}
                    """)
        };
    }

    @Test
    void everyPrimaryRequestIsMirroredOnceWithThePrimarysHostAndBody() throws Exception {
        try (Harness h = new Harness()) {
            HttpUpstream primary = h.upstream("primary");
            HttpUpstream shadow = h.upstream("shadow");
            Copies copies = new Copies();
            h.start(dir, b -> b.listener(copies), config(primary, shadow.port()));
            for (int i = 0; i < 50; i++) {
                HttpRequest post = HttpRequest.newBuilder(URI.create("http://reviews:9080/r/" + i))
                        .POST(HttpRequest.BodyPublishers.ofString("payload " + i)).build();
                assertThat(h.client.send(post, BodyHandlers.ofString()).body()).isEqualTo("primary");
            }
            Await.until("50 completed copies", () -> copies.completed.get() == 50);
            assertThat(shadow.count()).as("exactly one copy each").isEqualTo(50);
            assertThat(shadow.hosts()).containsOnly("reviews:9080");
            assertThat(shadow.recorded.stream().map(HttpUpstream.Received::path).distinct().count()).isEqualTo(50);
            assertThat(shadow.recorded).allSatisfy(r -> assertThat(r.bodyText()).startsWith("payload "));
            assertThat(copies.dropped.get() + copies.failed.get()).isZero();
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
            Await.until("10 copies at the shadow", () -> shadow.count() == 10);
            assertThat(shadow.hosts()).containsOnly("reviews-shadow:9080");
            assertThat(primary.hosts()).containsOnly("reviews:9080");
        }
    }

    @Test
    void aDeadShadowNeverFailsThePrimary() throws Exception {
        try (Harness h = new Harness()) {
            HttpUpstream primary = h.upstream("primary");
            Copies copies = new Copies();
            h.start(dir, b -> b.listener(copies), config(primary, HttpUpstream.deadPort()));
            for (int i = 0; i < 100; i++) {
                assertThat(h.get("http://reviews:9080/m/" + i)).isEqualTo("200 primary");
            }
            Await.until("100 failed or dropped copies", () -> copies.failed.get() + copies.dropped.get() == 100);
        }
    }

    /**
     * A shadow that never answers while the primaries run: every primary still completes (none waits for its
     * copy), and the copies in flight stay bounded — the rest are dropped and reported.
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
            Copies copies = new Copies();
            h.start(dir, b -> b.listener(copies).mirrorConcurrency(4), config(primary, stuck.port()));
            try {
                for (int i = 0; i < 50; i++) {
                    assertThat(h.get("http://reviews:9080/m/" + i)).isEqualTo("200 primary");
                }
                assertThat(copies.sent.get() + copies.dropped.get()).as("one copy per request, sent or dropped")
                        .isEqualTo(50);
                assertThat(copies.sent.get()).as("at most the copies allowed in flight").isLessThanOrEqualTo(4);
                assertThat(copies.completed.get()).as("no copy answered yet").isZero();
            } finally {
                release.countDown();
            }
        }
    }
}
