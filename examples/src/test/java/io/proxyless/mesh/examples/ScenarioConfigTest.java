package io.proxyless.mesh.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.cli.MeshCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The scenario directories the demo added load with {@code mesh validate} without an error or a warning, in the
 * combinations {@code examples/README.md} lists (the tests run in {@code examples/}).
 */
class ScenarioConfigTest {

    static Stream<Arguments> combinations() {
        return Stream.of(
                Arguments.of((Object) new String[] {"config/base", "config/routing/bookinfo-all-v1.yaml",
                    "scenarios/request-routing/all-v1"}),
                Arguments.of((Object) new String[] {"config/base", "scenarios/traffic-shifting/100-v3"}),
                Arguments.of((Object) new String[] {"config/base/bookinfo-services.yaml",
                    "config/base/httpbin-service.yaml", "config/routing", "scenarios/mutual-tls"}),
                Arguments.of((Object) new String[] {"config/base/bookinfo-services.yaml",
                    "config/base/httpbin-service.yaml", "config/routing", "scenarios/mutual-tls",
                    "scenarios/mutual-tls-strict"}),
                Arguments.of((Object) new String[] {"config/base/bookinfo-services.yaml",
                    "config/base/httpbin-service.yaml", "config/routing", "scenarios/mutual-tls",
                    "scenarios/authorization"}),
                Arguments.of((Object) new String[] {"config/base", "scenarios/egress/external-service"}),
                Arguments.of((Object) new String[] {"config/base", "config/egress/edition-cnn-com.yaml",
                    "scenarios/egress/egress-gateway"}));
    }

    @ParameterizedTest
    @MethodSource("combinations")
    void scenarioLoadsWithoutErrorsOrWarnings(String[] paths) {
        String[] args = Stream.concat(Stream.of("validate"), Stream.of(paths)).toArray(String[]::new);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int status = MeshCommand.run(args, new PrintWriter(out), new PrintWriter(err));

        String run = "exit " + status + "\n" + out + err;
        assertThat(status).as(run).isZero();
        assertThat(out.toString()).as(run).isEmpty();
        assertThat(err.toString()).as(run).startsWith("0 errors, 0 warnings in ");
    }
}
