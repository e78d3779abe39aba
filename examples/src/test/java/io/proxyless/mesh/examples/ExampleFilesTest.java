package io.proxyless.mesh.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Rendering the example YAML for a demo run changes endpoint ports and the long fault delay, nothing else. */
class ExampleFilesTest {
    private static final Map<Integer, Integer> PORTS = Map.of(9183, 41001, 9184, 41002);

    @Test
    void endpointPortsAreReplacedAndServicePortsKept() {
        String yaml = """
                spec:
                  ports:
                  - number: 9080
                    name: http
                  endpoints:
                  - address: 127.0.0.1
                    ports:
                      http: 9183
                  - address: 127.0.0.1
                    ports:
                      http: 9184   # v2
                """;

        String rendered = ExampleFiles.render("config/base/x.yaml", yaml, PORTS);

        assertThat(rendered).startsWith("# Rendered by the Bookinfo demo from examples/config/base/x.yaml: "
                + "9183 → 41001, 9184 → 41002\n");
        String body = rendered.substring(rendered.indexOf('\n') + 1);
        assertThat(body).isEqualTo(yaml.replace("http: 9183", "http: 41001").replace("http: 9184", "http: 41002"));
    }

    @Test
    void theSevenSecondFaultDelayBecomesTwoSeconds() {
        String rendered = ExampleFiles.render("d.yaml", "    fault:\n      delay:\n        fixedDelay: 7s\n", PORTS);

        assertThat(rendered).endsWith("        fixedDelay: 2s\n").contains("7s → 2s delay");
    }

    @Test
    void aFileWithoutMappedPortsIsCopiedUnchanged() {
        String yaml = "spec:\n  http:\n  - timeout: 0.5s\n    route:\n    - destination:\n        host: reviews\n";

        assertThat(ExampleFiles.render("t.yaml", yaml, PORTS))
                .isEqualTo("# Rendered by the Bookinfo demo from examples/t.yaml (unchanged)\n" + yaml);
    }
}
