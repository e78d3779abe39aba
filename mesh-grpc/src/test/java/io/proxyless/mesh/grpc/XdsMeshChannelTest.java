package io.proxyless.mesh.grpc;

import io.proxyless.mesh.runtime.testing.ContinuousLoad;
import static io.proxyless.mesh.grpc.Backend.REVIEWS_GET;
import static io.proxyless.mesh.grpc.MeshFixture.call;
import static io.proxyless.mesh.grpc.MeshFixture.tally;
import static io.proxyless.mesh.grpc.XdsControlPlane.headerExact;
import static io.proxyless.mesh.grpc.XdsControlPlane.to;
import static io.proxyless.mesh.grpc.XdsControlPlane.weighted;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.proxyless.mesh.runtime.Mesh;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mesh channels whose config comes from a real xDS control plane (java-control-plane on 127.0.0.1, istiod's
 * proxyless gRPC shape), calling real gRPC backends: the routing is carried out on real calls, and a change on the
 * control plane reaches calls that are running.
 */
class XdsMeshChannelTest {
    @TempDir
    Path dir;

    private Backend v1;
    private Backend v2;
    private Backend v3;
    private XdsControlPlane cp;
    private Mesh mesh;
    private ManagedChannel channel;

    @BeforeEach
    void start() {
        v1 = Backend.start("v1");
        v2 = Backend.start("v2");
        v3 = Backend.start("v3");
        cp = new XdsControlPlane();
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow();
            channel.awaitTermination(5, TimeUnit.SECONDS);
        }
        if (mesh != null) {
            mesh.close();
        }
        cp.close();
        v1.close();
        v2.close();
        v3.close();
    }

    private void connect() {
        mesh = Mesh.builder().xdsBootstrap(cp.writeBootstrap(dir)).build();
        channel = MeshGrpc.channelBuilder(mesh, XdsControlPlane.HOST + ":" + XdsControlPlane.PORT).build();
    }

    @Test
    void headerMatchFromXdsSendsJasonsCallsToTheV2Backend() {
        cp.serve(Map.of("v1", v1, "v2", v2), List.of(headerExact("end-user", "jason", "v2"), to("v1")));
        connect();

        for (int i = 0; i < 20; i++) {
            assertThat(call(channel, REVIEWS_GET, "x", "end-user", "jason")).isEqualTo("v2");
            assertThat(call(channel, REVIEWS_GET, "x")).isEqualTo("v1");
            assertThat(call(channel, REVIEWS_GET, "x", "end-user", "Jason")).as("exact match is case-sensitive")
                    .isEqualTo("v1");
        }
        assertThat(v2.calls.get()).isEqualTo(20);
        assertThat(v1.calls.get()).isEqualTo(40);
        assertThat(v2.methods).containsOnly("pkg.Reviews/Get");
    }

    @Test
    void eightyTwentySplitFromXdsHoldsOverRealCalls() {
        cp.serve(Map.of("v1", v1, "v3", v3), List.of(weighted("v1", 80, "v3", 20)));
        connect();

        int n = 2000;
        Map<String, Integer> counts = tally(channel, REVIEWS_GET, n);
        assertThat(counts.keySet()).containsOnly("v1", "v3");
        assertThat(counts.get("v1") / (double) n).as("v1 share of %d calls: %s", n, counts).isBetween(0.76, 0.84);
        assertThat(v1.calls.get() + v3.calls.get()).as("one attempt per call").isEqualTo(n);
    }

    @Test
    void aRouteChangeOnTheControlPlaneMovesRunningCallsOnceAppliedWithoutAFailedCall() throws Exception {
        Map<String, Backend> subsets = Map.of("v1", v1, "v2", v2);
        cp.serve(subsets, List.of(to("v1")));
        connect();

        long changed;
        long applied;
        ContinuousLoad load = new ContinuousLoad(4, () -> call(channel, REVIEWS_GET, "x"));
        try (load) {
            MeshFixture.await("traffic", () -> load.results().size() >= 100);
            changed = System.nanoTime();
            cp.serve(subsets, List.of(to("v2")));
            // Once one call has answered from v2, the change is in force: every call that starts later reads the
            // new snapshot. How long the control plane took to get here is a benchmark figure.
            MeshFixture.await("a call to answer from v2", () -> call(channel, REVIEWS_GET, "x").equals("v2"));
            applied = System.nanoTime();
            // Calls that start after "applied" are what the last assertion checks: wait for some, however fast the
            // first hundred v2 answers came.
            MeshFixture.await("calls to reach v2 after the change", () -> load.since(changed).stream()
                    .filter(r -> "v2".equals(r.answer())).count() >= 100 && load.since(applied).size() >= 20);
        }

        assertThat(load.bad(a -> a.equals("v1") || a.equals("v2"))).as("failed or unexpected answers").isEmpty();
        long lastV1Start = load.results().stream().filter(r -> r.answer().equals("v1"))
                .mapToLong(ContinuousLoad.Result::startNanos).max().orElseThrow();
        assertThat(lastV1Start).as("the last call routed to v1 started before the change was in force")
                .isLessThan(applied);
        assertThat(load.since(applied)).as("calls after the change was in force").isNotEmpty()
                .allMatch(r -> r.answer().equals("v2"));
        assertThat(load.since(changed).size()).as("calls during the change").isGreaterThan(100);
    }
}
