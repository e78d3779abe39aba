package io.proxyless.mesh.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The demo is the README's first command, so {@code ./mvnw verify} runs it: every scenario with real servers and
 * real requests, config from watched files, and a few scenarios again through the embedded xDS server. A failed
 * check fails the test with the whole walk-through as the message.
 */
class BookinfoDemoTest {

    @Test
    void everyScenarioMeasuresWhatIstiosSidecarWouldDoWithConfigFromFiles() {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        DemoReport report = BookinfoDemo.run(BookinfoDemo.Options.defaults()
                .withOut(new PrintStream(printed, true, StandardCharsets.UTF_8)));
        String output = printed.toString(StandardCharsets.UTF_8);

        assertThat(report.failures()).as(output).isEmpty();
        assertThat(report.scenarios()).as(output).hasSize(Walkthrough.SCENARIOS).allMatch(DemoReport.Scenario::passed);
        assertThat(output).contains(Walkthrough.SCENARIOS + " of " + Walkthrough.SCENARIOS + " scenarios passed");
        // Istio's metrics: served per client workload, summarised per scenario.
        assertThat(output).contains("/stats/prometheus");
        for (String query : new String[] {DemoMetrics.BY_VERSION, DemoMetrics.BY_CODE}) {
            assertThat(output.split(Pattern.quote("promql   " + query), -1)).as(output)
                    .hasSize(Walkthrough.SCENARIOS + 1);
        }
        assertThat(output).as("circuit-breaker overflows are counted with Envoy's flag").contains(" 503 UO ");
        // Authorization on the mesh's own servers: productpage allowed, sleep denied as Envoy denies.
        assertThat(output).as(output).contains("sleep -> reviews: 403 RBAC: access denied");
    }

    @Test
    void agentModeRunsEveryScenarioWithProductpageInjectedInsteadOfBuiltWithTheApi() {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        // The README's demo command: productpage is an application without mesh code in a JVM of its own, and
        // every check of its gRPC and OkHttp calls (routing, shifting, timeouts, mTLS, its metrics) still holds.
        DemoReport report = BookinfoDemo.run(BookinfoDemo.Options.defaults().withAgent(true)
                .withOut(new PrintStream(printed, true, StandardCharsets.UTF_8)));
        String output = printed.toString(StandardCharsets.UTF_8);

        assertThat(report.mode()).isEqualTo("agent");
        assertThat(report.failures()).as(output).isEmpty();
        assertThat(report.scenarios()).as(output).hasSize(Walkthrough.SCENARIOS).allMatch(DemoReport.Scenario::passed);
        assertThat(output).contains("-javaagent:").contains("mesh-agent.jar")
                .contains("Meshes up for productpage (injected)");
        // productpage's calls counted by its agent's metrics: details over gRPC, reviews over OkHttp
        assertThat(output).contains("details v1 60").containsPattern("reviews v[123] \\d+");
    }

    @Test
    void agentWithXdsTakesProductpagesConfigFromTheControlPlane() {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        // productpage injected, its agent bootstrapped to the embedded control plane (GRPC_XDS_BOOTSTRAP) as istiod's
        // injection bootstraps a proxyless workload: header routing over OkHttp, mTLS to details over gRPC.
        DemoReport report = BookinfoDemo.run(BookinfoDemo.Options.defaults().withAgent(true).withXds(true)
                .withOnly(Set.of(3, 11))
                .withOut(new PrintStream(printed, true, StandardCharsets.UTF_8)));
        String output = printed.toString(StandardCharsets.UTF_8);

        assertThat(report.mode()).isEqualTo("agent+xds");
        assertThat(report.failures()).as(output).isEmpty();
        assertThat(report.scenarios()).as(output).extracting(DemoReport.Scenario::number).containsExactly(3, 11);
        assertThat(report.passed()).as(output).isTrue();
        assertThat(output).contains("GRPC_XDS_BOOTSTRAP").contains("Meshes up for productpage (injected)");
    }

    @Test
    void xdsModeRunsTheSameScenariosThroughAnEmbeddedControlPlane() {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        // Header routing, fault abort, retries, mTLS over SDS certificates, egress gateway: one of each kind of
        // resource the translation to Envoy produces; and authorization, whose servers read their policies from files.
        DemoReport report = BookinfoDemo.run(BookinfoDemo.Options.defaults().withXds(true)
                .withOnly(Set.of(3, 6, 8, 11, 13, 14))
                .withOut(new PrintStream(printed, true, StandardCharsets.UTF_8)));
        String output = printed.toString(StandardCharsets.UTF_8);

        assertThat(report.mode()).isEqualTo("xds");
        assertThat(report.failures()).as(output).isEmpty();
        assertThat(report.scenarios()).as(output).extracting(DemoReport.Scenario::number)
                .containsExactly(3, 6, 8, 11, 13, 14);
        assertThat(report.passed()).as(output).isTrue();
    }
}
