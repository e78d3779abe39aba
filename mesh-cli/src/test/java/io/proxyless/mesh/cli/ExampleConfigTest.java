package io.proxyless.mesh.cli;

import static io.proxyless.mesh.cli.CliRun.mesh;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The sample config in {@code examples/} is what new users run first, so it must load without a single error
 * or warning, in exactly the combinations {@code examples/README.md} documents.
 */
class ExampleConfigTest {
    private static final Path EXAMPLES = findExamples();

    @Test
    void defaultExampleConfigLoadsWithoutErrorsOrWarnings() {
        CliRun run = mesh("validate", EXAMPLES.resolve("config").toString());

        assertThat(run.status()).as(run.toString()).isZero();
        assertThat(run.out()).as(run.toString()).isEmpty();
        assertThat(run.err()).as(run.toString()).isEqualTo("0 errors, 0 warnings in 8 files\n");
    }

    @Test
    void kubernetesServiceInTheExamplesIsReadNotSkipped() {
        CliRun run = mesh("validate", "--verbose", EXAMPLES.resolve("config").toString());

        assertThat(run.status()).as(run.toString()).isZero();
        assertThat(run.out()).as(run.toString()).isEmpty();
        assertThat(run.err()).as(run.toString()).isEqualTo("0 errors, 0 warnings in 8 files\n");
    }

    static Stream<Arguments> scenarios() {
        String base = "config/base";
        String jason = "config/routing/reviews-jason-v2.yaml";
        return Stream.of(
                Arguments.of("traffic-shifting/50-50", new String[] {base}),
                Arguments.of("traffic-shifting/80-20", new String[] {base}),
                Arguments.of("fault-injection/delay", new String[] {base, jason}),
                Arguments.of("fault-injection/abort", new String[] {base, jason}),
                Arguments.of("request-timeouts", new String[] {base}),
                Arguments.of("retries", new String[] {base}),
                Arguments.of("circuit-breaking", new String[] {base}),
                Arguments.of("mirroring", new String[] {base}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void scenarioLoadsCleanlyWithThePiecesItBuildsOn(String scenario, String[] pieces) {
        Stream<String> paths = Stream.concat(Stream.of(pieces), Stream.of("scenarios/" + scenario))
                .map(piece -> EXAMPLES.resolve(piece).toString());

        CliRun run = mesh(Stream.concat(Stream.of("validate"), paths).toArray(String[]::new));

        assertThat(run.status()).as(run.toString()).isZero();
        if (scenario.equals("circuit-breaking")) {
            // Istio's task sets maxRequestsPerConnection, which no client connection pool can enforce: loud.
            assertThat(run.out()).as(run.toString()).contains("spec.trafficPolicy.connectionPool.http."
                    + "maxRequestsPerConnection: \"maxRequestsPerConnection\" is not supported by the client-side mesh");
            assertThat(run.err()).as(run.toString()).startsWith("0 errors, 1 warning in ");
            return;
        }
        assertThat(run.out()).as(run.toString()).isEmpty();
        assertThat(run.err()).as(run.toString()).startsWith("0 errors, 0 warnings in ");
    }

    @Test
    void scenarioLoadedWithAllOfTheDefaultConfigIsRejectedAsADuplicate() {
        // Why scenarios live outside config/: each redefines a resource that config/ already has.
        CliRun run = mesh("validate", EXAMPLES.resolve("config").toString(),
                EXAMPLES.resolve("scenarios/traffic-shifting/50-50").toString());

        assertThat(run.status()).as(run.toString()).isEqualTo(MeshCommand.CONFIG_ERRORS);
        assertThat(run.out().lines()).as(run.toString()).singleElement().asString()
                .contains("reviews.yaml:", "VirtualService default/reviews: ",
                        "duplicate VirtualService default/reviews", "reviews-jason-v2.yaml");
    }

    /** The tests run from the module folder (mesh-cli/); the examples are one level up. */
    private static Path findExamples() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("examples");
            if (Files.isDirectory(candidate.resolve("config"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("examples/config not found above " + Path.of("").toAbsolutePath());
    }
}
