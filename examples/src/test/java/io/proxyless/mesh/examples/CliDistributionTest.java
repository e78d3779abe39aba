package io.proxyless.mesh.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI as it ships: {@code mesh-cli/target/mesh} (a launcher script) next to {@code mesh-cli/target/mesh.jar},
 * run as a separate process, directly and through a symlink on the PATH. The reactor packages mesh-cli before
 * this module's tests run.
 */
class CliDistributionTest {
    private static final Path LAUNCHER = Path.of("..", "mesh-cli", "target", "mesh").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @Test
    void theLauncherRunsTheCliFromAnyDirectoryAndThroughASymlink() throws Exception {
        assumeTrue(Files.isExecutable(LAUNCHER), "mesh-cli is not packaged (run the verify phase)");
        Path config = Path.of("config").toAbsolutePath();

        Result version = run(LAUNCHER.toString(), "--version");
        assertThat(version.status()).as(version.toString()).isZero();
        assertThat(version.out()).startsWith("mesh ");

        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path link = Files.createSymbolicLink(bin.resolve("mesh"), LAUNCHER);
        Result validate = run(link.toString(), "validate", config.toString());
        assertThat(validate.status()).as(validate.toString()).isZero();
        assertThat(validate.err()).contains("0 errors");
    }

    private Result run(String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(List.of(command))).directory(dir.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the CLI ends").isTrue();
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8),
                new String(err, StandardCharsets.UTF_8));
    }

    private record Result(int status, String out, String err) {
    }
}
