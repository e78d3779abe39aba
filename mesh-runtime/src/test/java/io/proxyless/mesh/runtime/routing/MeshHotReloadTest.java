package io.proxyless.mesh.runtime.routing;

import static io.proxyless.mesh.runtime.routing.MeshFixture.BOOKINFO;
import static io.proxyless.mesh.runtime.routing.MeshFixture.get;
import static io.proxyless.mesh.runtime.routing.MeshFixture.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.proxyless.mesh.api.ConfigException;
import io.proxyless.mesh.runtime.Mesh;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A Mesh built from config paths applies valid edits live and keeps the last good config on invalid ones. */
class MeshHotReloadTest {
    @TempDir
    Path dir;

    private static String weights(int v1, int v3, String extra) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route:
                    - destination: {host: reviews, subset: v1}
                      weight: %d
                    - destination: {host: reviews, subset: v3}
                      weight: %d
                    %s
                """.formatted(v1, v3, extra);
    }

    @Test
    void changedWeightTakesEffectWithoutRestartAndInvalidChangeKeepsOldDecisions() throws Exception {
        Files.writeString(dir.resolve("bookinfo.yaml"), BOOKINFO);
        Path vs = Files.writeString(dir.resolve("reviews.yaml"), weights(100, 0, ""));
        try (Mesh mesh = Mesh.builder().configPaths(dir).namespace("default").build()) {
            assertThat(sample(mesh, get("http://reviews:9080/"), 500, 1)).containsOnlyKeys("v1");

            Files.writeString(vs, weights(0, 100, ""));
            awaitTrue(() -> sample(mesh, get("http://reviews:9080/"), 50, 2).containsKey("v3"));
            assertThat(sample(mesh, get("http://reviews:9080/"), 500, 3)).containsOnlyKeys("v3");
            CompiledMesh good = mesh.snapshot();

            // Invalid: negative weight. The old decisions stay and the problems are exposed.
            Files.writeString(vs, weights(-1, 100, ""));
            awaitTrue(() -> mesh.source().lastProblems().stream().anyMatch(p -> p.isError()));
            assertThat(mesh.snapshot()).isSameAs(good);
            assertThat(sample(mesh, get("http://reviews:9080/"), 500, 4)).containsOnlyKeys("v3");

            // Fixed again: recovers.
            Files.writeString(vs, weights(50, 50, ""));
            awaitTrue(() -> sample(mesh, get("http://reviews:9080/"), 200, 5).keySet().equals(
                    java.util.Set.of("v1", "v3")));
        }
    }

    @Test
    void invalidInitialConfigFailsTheBuildWithAllProblems() throws IOException {
        Files.writeString(dir.resolve("reviews.yaml"), weights(-1, -2, "timeout: 0s"));
        assertThatThrownBy(() -> Mesh.builder().configPaths(dir).build())
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).hasSizeGreaterThan(1));
    }

    @Test
    void inFlightRequestKeepsTheSnapshotItStartedWith() throws Exception {
        Files.writeString(dir.resolve("bookinfo.yaml"), BOOKINFO);
        Path vs = Files.writeString(dir.resolve("reviews.yaml"), weights(100, 0, ""));
        try (Mesh mesh = Mesh.builder().configPaths(dir).sourceLabels(Map.of()).build()) {
            CompiledMesh before = mesh.snapshot();
            Files.writeString(vs, weights(0, 100, ""));
            awaitTrue(() -> mesh.snapshot() != before);
            // The old snapshot still answers with the old config: a request that started on it is unaffected.
            assertThat(before.route(get("http://reviews:9080/"), new java.util.Random(1)).destinationSubset())
                    .isEqualTo("v1");
        }
    }

    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 5 s");
            }
            Thread.sleep(20);
        }
    }
}
