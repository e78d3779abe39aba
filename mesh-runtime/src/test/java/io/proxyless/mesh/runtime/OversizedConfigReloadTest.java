package io.proxyless.mesh.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.runtime.config.MeshConfig;
import io.proxyless.mesh.runtime.source.ConfigListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A watched file replaced by junk that is too big to parse: the change is rejected and the mesh keeps routing. */
class OversizedConfigReloadTest {
    @TempDir
    Path dir;

    @TempDir
    Path staging;

    @Test
    void twentyMegabytesOnOneLineAreRejectedOnReloadAndTheLastGoodConfigStays() throws Exception {
        Path file = Files.writeString(dir.resolve("reviews.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: reviews}
                spec:
                  hosts: [reviews.example.com]
                  ports: [{number: 80, name: http, protocol: HTTP}]
                  resolution: DNS
                """);
        try (Mesh mesh = Mesh.builder().configPaths(dir).build()) {
            MeshConfig good = mesh.source().current();
            BlockingQueue<List<Problem>> rejections = new LinkedBlockingQueue<>();
            mesh.source().addListener(new ConfigListener() {
                @Override
                public void onConfig(MeshConfig config) {
                }

                @Override
                public void onRejected(List<Problem> problems) {
                    rejections.add(problems);
                }
            });

            // Moved into place whole, so the watcher never reads a half-written file.
            Path junk = Files.writeString(staging.resolve("reviews.yaml"), "kind: " + "x".repeat(20 * 1024 * 1024));
            Files.move(junk, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

            List<Problem> problems = rejections.poll(30, TimeUnit.SECONDS);
            assertThat(problems).as("a rejected change").isNotNull();
            assertThat(problems).extracting(Problem::format).containsExactly(file + ":1: line longer than 2097152 "
                    + "characters (20971526); split long lists and strings over several lines");
            assertThat(mesh.source().current()).isSameAs(good);
        }
    }
}
