package io.proxyless.mesh.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.proxyless.mesh.runtime.testing.HttpUpstream;
import io.proxyless.mesh.runtime.testing.MeshYaml;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An application with plain grpc-java and no mesh module, run with {@code -javaagent:target/mesh-agent.jar}:
 * channels it builds with {@code ManagedChannelBuilder.forTarget}/{@code forAddress} and
 * {@code Grpc.newChannelBuilder} for mesh hosts are routed call by call, as the upstreams see.
 */
class GrpcAgentIT {
    static final int SPLIT_CALLS = 300;

    @TempDir
    static Path config;
    static GrpcUpstream v1;
    static GrpcUpstream v2;
    static GrpcUpstream ratings;
    static GrpcUpstream outside;

    @BeforeAll
    static void upstreams() {
        v1 = GrpcUpstream.start("v1");
        v2 = GrpcUpstream.start("v2");
        ratings = GrpcUpstream.start("ratings");
        outside = GrpcUpstream.start("outside");
        MeshYaml.write(config,
                grpcService("reviews", "{address: 127.0.0.1, ports: {grpc: " + v1.port() + "}, labels: {version: v1}}",
                        "{address: 127.0.0.1, ports: {grpc: " + v2.port() + "}, labels: {version: v2}}"),
                MeshYaml.subsetsV1V2("reviews", ""),
                MeshYaml.virtualService("reviews", """
                        - match: [{headers: {end-user: {exact: jason}}}]
                          route: [{destination: {host: reviews, subset: v2}}]
                        - route:
                          - {destination: {host: reviews, subset: v1}, weight: 80}
                          - {destination: {host: reviews, subset: v2}, weight: 20}
                        """),
                grpcService("ratings", "{address: 127.0.0.1, ports: {grpc: " + HttpUpstream.deadPort() + "}}",
                        "{address: 127.0.0.1, ports: {grpc: " + ratings.port() + "}}"),
                MeshYaml.destinationRule("ratings", "trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}"),
                MeshYaml.virtualService("ratings", """
                        - route: [{destination: {host: ratings}}]
                          retries: {attempts: 3, retryOn: connect-failure}
                        """));
    }

    static String grpcService(String name, String... endpoints) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %s}
                spec:
                  hosts: [%s.default.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 9080, name: grpc, protocol: GRPC}]
                  endpoints:
                %s
                """.formatted(name, name, "  - " + String.join("\n  - ", endpoints));
    }

    @AfterAll
    static void close() throws InterruptedException {
        for (GrpcUpstream u : new GrpcUpstream[] {v1, v2, ratings, outside}) {
            u.close();
        }
    }

    static Map<String, String> meshEnv() {
        return Map.of("MESH_CONFIG_PATHS", config.toString(), "POD_NAMESPACE", "default",
                "MESH_METRICS_PORT", "off");
    }

    @Test
    void channelsForMeshHostsAreMeshChannels() {
        int v1Before = v1.count();
        int v2Before = v2.count();
        AgentProcess.Run run = AgentProcess.run("", meshEnv(),
                "grpc|forTarget|10|reviews:9080|end-user=jason",
                "grpc|newChannelBuilder|" + SPLIT_CALLS + "|reviews:9080",
                "grpc|forAddress|20|ratings:9080",
                "grpc|forTarget|5|localhost:" + outside.port());
        assertThat(run.exitCode()).as(run.toString()).isZero();

        // header routing (forTarget): every jason call reached v2
        assertThat(run.step(0)).as(run.toString()).isEqualTo(Map.of("v2", 10));
        assertThat(Collections.frequency(v2.endUsers, "jason")).isEqualTo(10);
        assertThat(v1.endUsers).doesNotContain("jason");

        // 80/20 (Grpc.newChannelBuilder): bounds ±6 standard deviations of Binomial(300, 0.2)
        int toV1 = v1.count() - v1Before;
        int toV2 = v2.count() - v2Before - 10;
        assertThat(toV1 + toV2).as(run.toString()).isEqualTo(SPLIT_CALLS);
        assertThat(toV2).as("calls to v2 of " + SPLIT_CALLS).isBetween(19, 101);

        // retries around the refused endpoint (forAddress): every call answered by the live one
        assertThat(run.step(2)).as(run.toString()).isEqualTo(Map.of("ratings", 20));
        assertThat(ratings.count()).isEqualTo(20);

        // a target the mesh does not know: grpc-java's own channel, straight to it
        assertThat(run.step(3)).as(run.toString()).isEqualTo(Map.of("outside", 5));
        assertThat(outside.authorities).contains("localhost:" + outside.port());
    }

    @Test
    void withoutTheAgentTheLogicalNamesGoToDns() {
        AgentProcess.Run run = AgentProcess.run(null, meshEnv(),
                "grpc|forTarget|1|reviews.invalid:9080", "grpc|forTarget|1|localhost:" + outside.port());
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.step(0)).as(run.toString()).isEqualTo(Map.of("!UNAVAILABLE", 1));
        assertThat(run.step(1)).isEqualTo(Map.of("outside", 1));
    }
}
