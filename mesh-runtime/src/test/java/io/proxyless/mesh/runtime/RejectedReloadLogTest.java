package io.proxyless.mesh.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.api.Problem;
import io.proxyless.mesh.runtime.config.MeshConfig;
import io.proxyless.mesh.runtime.source.ConfigListener;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A rejected reload is logged once, by its source, and not again by the mesh it feeds. */
class RejectedReloadLogTest {
    @TempDir
    Path dir;

    @TempDir
    Path staging;

    @Test
    void eachProblemOfARejectedReloadIsLoggedOnce() throws Exception {
        Path file = Files.writeString(dir.resolve("reviews.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: reviews}
                spec:
                  hosts: [reviews.example.com]
                  ports: [{number: 80, name: http, protocol: HTTP}]
                  resolution: DNS
                """);
        PrintStream processErr = System.err;
        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        System.setErr(new PrintStream(logged, true, StandardCharsets.UTF_8)); // where slf4j-simple writes
        try (Mesh mesh = Mesh.builder().configPaths(dir).build()) {
            BlockingQueue<List<Problem>> rejections = new LinkedBlockingQueue<>();
            // Added after the mesh's own listener, so it is told after every log line of the rejection.
            mesh.source().addListener(new ConfigListener() {
                @Override
                public void onConfig(MeshConfig config) {
                }

                @Override
                public void onRejected(List<Problem> problems) {
                    rejections.add(problems);
                }
            });
            Path bad = Files.writeString(staging.resolve("reviews.yaml"), Files.readString(file)
                    .replace("resolution: DNS", "resolution: SOMETIMES"));
            Files.move(bad, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

            List<Problem> problems = rejections.poll(30, TimeUnit.SECONDS);
            assertThat(problems).as("a rejected change").isNotNull();
            String log = logged.toString(StandardCharsets.UTF_8);
            for (Problem p : problems.stream().filter(Problem::isError).toList()) {
                assertThat(log.lines().filter(l -> l.contains(p.format()))).as(log).hasSize(1);
            }
        } finally {
            System.setErr(processErr);
        }
    }
}
