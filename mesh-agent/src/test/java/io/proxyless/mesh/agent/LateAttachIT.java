package io.proxyless.mesh.agent;

import static io.proxyless.mesh.runtime.testing.MeshYaml.endpoint;
import static io.proxyless.mesh.runtime.testing.MeshYaml.serviceEntry;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.tools.attach.VirtualMachine;
import io.proxyless.mesh.runtime.testing.HttpUpstream;
import io.proxyless.mesh.runtime.testing.MeshYaml;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent loaded into a running application through the Attach API ({@code Agent-Class}, {@code agentmain}):
 * clients the application builds afterwards are in the mesh; those it built before stay as they were.
 */
class LateAttachIT {
    static final String REVIEWS = "http://reviews:9080/reviews/1";

    @TempDir
    static Path config;
    @TempDir
    static Path scratch;
    static HttpUpstream reviews;

    @BeforeAll
    static void upstreams() {
        reviews = HttpUpstream.start("reviews");
        MeshYaml.write(config, serviceEntry("reviews", 9080, endpoint(reviews, "")));
    }

    @AfterAll
    static void close() {
        reviews.close();
    }

    @Test
    void anAgentAttachedLaterPutsTheClientsBuiltAfterwardsInTheMesh() throws Exception {
        Path resume = scratch.resolve("attached");
        AgentProcess.Started app = AgentProcess.start(null, Map.of("MESH_METRICS_PORT", "off"),
                "http|builder|2|" + REVIEWS,
                "pause|" + resume,
                "http|fresh|3|" + REVIEWS,
                "http|builder|1|" + REVIEWS);
        app.awaitOutput("PAUSED 1");
        VirtualMachine vm = VirtualMachine.attach(String.valueOf(app.pid()));
        try {
            // the running JVM's environment is fixed: the agent arguments configure it
            vm.loadAgent(AgentProcess.AGENT_JAR.toAbsolutePath().toString(),
                    "configPaths=" + config + ",namespace=default");
        } finally {
            vm.detach();
        }
        java.nio.file.Files.createFile(resume);
        AgentProcess.Run run = app.finish();

        assertThat(run.exitCode()).as(run.toString()).isZero();
        // before the attach, the logical name is DNS's: unknown
        assertThat(run.step(0)).as(run.toString()).isEqualTo(Map.of("!UnknownHostException", 2));
        // a client built after the attach is routed by the mesh
        assertThat(run.step(2)).as(run.toString()).isEqualTo(Map.of("reviews", 3));
        assertThat(reviews.count()).isEqualTo(3);
        // a client built before it stays as the application built it
        assertThat(run.step(3)).as(run.toString()).isEqualTo(Map.of("!UnknownHostException", 1));
        assertThat(run.stderr()).contains("mesh agent installed in");
    }
}
