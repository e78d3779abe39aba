package io.proxyless.mesh.okhttp;

import static io.proxyless.mesh.runtime.testing.MeshYaml.destinationRule;
import static io.proxyless.mesh.runtime.testing.MeshYaml.endpoint;
import static io.proxyless.mesh.runtime.testing.MeshYaml.serviceEntry;
import static io.proxyless.mesh.runtime.testing.MeshYaml.virtualService;
import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.runtime.Mesh;
import io.proxyless.mesh.runtime.dump.MeshDump;
import io.proxyless.mesh.runtime.testing.FakeClock;
import io.proxyless.mesh.runtime.testing.HttpUpstream;
import io.proxyless.mesh.runtime.testing.MeshYaml;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code Mesh.dump()} after real traffic: outlier detection fed by real 503s shows in the endpoints' health. */
class MeshDumpHealthTest {
    private static final String CLUSTER = "outbound|9080||reviews.default.svc.cluster.local";

    @TempDir
    Path dir;

    @Test
    void anEndpointAnswering503IsShownEjectedUntilItsEjectionTimeHasPassed() throws Exception {
        FakeClock clock = new FakeClock();
        try (Harness h = new Harness()) {
            HttpUpstream good = h.upstream("good");
            HttpUpstream bad = h.upstream("bad", r -> HttpUpstream.Reply.of(503, "bad"));
            MeshYaml.write(dir,
                    serviceEntry("reviews", 9080, endpoint(good, ""), endpoint(bad, "")),
                    destinationRule("reviews", """
                            trafficPolicy:
                              loadBalancer: {simple: ROUND_ROBIN}
                              outlierDetection:
                                consecutive5xxErrors: 1
                                interval: 1s
                                baseEjectionTime: 30s
                                maxEjectionPercent: 100
                            """),
                    // No retries: each call is one attempt, so the 503 reaches the application and the count below.
                    virtualService("reviews", """
                            - route: [{destination: {host: reviews}}]
                              retries: {attempts: 0}
                            """));
            h.start(Mesh.builder().configPaths(dir).watch(false).clock(clock).build(), b -> b);

            int served503 = 0;
            for (int i = 0; i < 4; i++) { // round robin over two endpoints: bad gets one of the first two
                served503 += h.get("http://reviews:9080/").startsWith("503") ? 1 : 0;
            }

            assertThat(bad.count()).isEqualTo(1);
            assertThat(served503).isEqualTo(1);
            MeshDump.Cluster ejected = h.mesh.dump().cluster(CLUSTER).orElseThrow();
            assertThat(ejected.endpoints()).extracting(e -> e.port() + " ejected=" + e.ejected() + " inFlight="
                    + e.inFlight()).containsExactlyInAnyOrder(
                    good.port() + " ejected=false inFlight=0", bad.port() + " ejected=true inFlight=0");
            assertThat(ejected.outlierDetection().ejected()).singleElement().satisfies(e -> {
                assertThat(e.port()).isEqualTo(bad.port());
                assertThat(e.lastEjectionType()).isEqualTo("CONSECUTIVE_5XX");
                assertThat(e.remaining()).isEqualTo(Duration.ofSeconds(30));
            });
            assertThat(h.mesh.dump().toJson()).contains("\"ejected\" : true");

            clock.advance(Duration.ofSeconds(31)); // past the ejection time and the next 1 s sweep

            assertThat(h.mesh.dump().cluster(CLUSTER).orElseThrow().endpoints())
                    .allSatisfy(e -> assertThat(e.ejected()).isFalse());
        }
    }
}
